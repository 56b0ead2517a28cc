/**
 * Builds small ONNX models in code so tests can cover datatypes, shapes and graph layouts without
 * committing binary fixtures or needing Python.
 */
import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';

/** Open Inference Protocol v2 datatype names (the same list the scoring core uses). */
export type DataType =
  | 'BOOL'
  | 'UINT8'
  | 'UINT16'
  | 'UINT32'
  | 'UINT64'
  | 'INT8'
  | 'INT16'
  | 'INT32'
  | 'INT64'
  | 'FP16'
  | 'FP32'
  | 'FP64'
  | 'BYTES';

// onnx-proto is CommonJS whose exports are assigned at run time, so only the default import works in ESM.
const { onnx } = onnxProto;

const ML_DOMAIN = 'ai.onnx.ml';

/** A number is a fixed size, a string a symbolic dimension (dim_param), -1 or null an unnamed dynamic one. */
export type Dim = number | string | null;

export interface ValueSpec {
  name: string;
  type: Onnx.ITypeProto;
}

/** Tagged so integer and float attributes cannot be confused (ONNX types them, JS numbers do not). */
export type AttributeValue =
  | { int: number }
  | { float: number }
  | { string: string }
  | { ints: number[] }
  | { floats: number[] }
  | { strings: string[] }
  | { tensor: InitializerSpec };

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  domain?: string;
  name?: string;
  attributes?: Record<string, AttributeValue>;
}

/** FP16 values are given as their IEEE half bits; BOOL as 0/1. */
export interface InitializerSpec {
  name: string;
  datatype: DataType;
  dims: number[];
  values: number[] | bigint[] | string[];
}

export interface GraphSpec {
  name?: string;
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  nodes: NodeSpec[];
  initializers?: InitializerSpec[];
  /** Types of intermediate values, as shape inference would record them. */
  valueInfo?: ValueSpec[];
}

export interface ModelSpec {
  graph: GraphSpec;
  /** Default-domain opset (17 pairs with IR 8); null imports none, as an ai.onnx.ml-only graph may. */
  opset?: number | null;
  /** ai.onnx.ml opset; imported automatically at version 1 when a node uses that domain. */
  mlOpset?: number;
  /** onnx-proto 8 is onnx 1.10's schema (IR 8): claiming a later IR would promise fields it cannot write. */
  irVersion?: number;
}

const ELEM_TYPE: Record<DataType, Onnx.TensorProto.DataType> = {
  BOOL: onnx.TensorProto.DataType.BOOL,
  UINT8: onnx.TensorProto.DataType.UINT8,
  UINT16: onnx.TensorProto.DataType.UINT16,
  UINT32: onnx.TensorProto.DataType.UINT32,
  UINT64: onnx.TensorProto.DataType.UINT64,
  INT8: onnx.TensorProto.DataType.INT8,
  INT16: onnx.TensorProto.DataType.INT16,
  INT32: onnx.TensorProto.DataType.INT32,
  INT64: onnx.TensorProto.DataType.INT64,
  FP16: onnx.TensorProto.DataType.FLOAT16,
  FP32: onnx.TensorProto.DataType.FLOAT,
  FP64: onnx.TensorProto.DataType.DOUBLE,
  BYTES: onnx.TensorProto.DataType.STRING,
};

export function elemType(datatype: DataType): Onnx.TensorProto.DataType {
  return ELEM_TYPE[datatype];
}

export function tensorType(datatype: DataType, dims?: Dim[]): Onnx.ITypeProto {
  const shape = dims && {
    dim: dims.map((d) =>
      typeof d === 'string' ? { dimParam: d } : d === null || d < 0 ? {} : { dimValue: d },
    ),
  };
  return { tensorType: { elemType: ELEM_TYPE[datatype], shape } };
}

export function sequenceType(elem: Onnx.ITypeProto): Onnx.ITypeProto {
  return { sequenceType: { elemType: elem } };
}

export function mapType(key: DataType, value: Onnx.ITypeProto): Onnx.ITypeProto {
  return { mapType: { keyType: ELEM_TYPE[key], valueType: value } };
}

export function tensor(name: string, datatype: DataType, dims?: Dim[]): ValueSpec {
  return { name, type: tensorType(datatype, dims) };
}

const utf8 = (s: string) => new TextEncoder().encode(s);

function littleEndian(datatype: DataType, values: number[] | bigint[]): Uint8Array {
  const nums = () => values.map(Number);
  const bigs = () => values.map((v) => BigInt(v));
  const typed: Record<Exclude<DataType, 'BYTES'>, () => ArrayBufferView> = {
    BOOL: () => Uint8Array.from(nums()),
    UINT8: () => Uint8Array.from(nums()),
    UINT16: () => Uint16Array.from(nums()),
    UINT32: () => Uint32Array.from(nums()),
    UINT64: () => BigUint64Array.from(bigs()),
    INT8: () => Int8Array.from(nums()),
    INT16: () => Int16Array.from(nums()),
    INT32: () => Int32Array.from(nums()),
    INT64: () => BigInt64Array.from(bigs()),
    FP16: () => Uint16Array.from(nums()),
    FP32: () => Float32Array.from(nums()),
    FP64: () => Float64Array.from(nums()),
  };
  // raw_data is little-endian by the ONNX spec, which is every platform Node's prebuilt onnxruntime runs on.
  const view = typed[datatype as Exclude<DataType, 'BYTES'>]();
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

export function tensorProto(spec: InitializerSpec): Onnx.ITensorProto {
  const base = { name: spec.name, dataType: ELEM_TYPE[spec.datatype], dims: spec.dims };
  return spec.datatype === 'BYTES'
    ? { ...base, stringData: (spec.values as string[]).map(utf8) }
    : { ...base, rawData: littleEndian(spec.datatype, spec.values as number[] | bigint[]) };
}

function attribute(name: string, value: AttributeValue): Onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if ('int' in value) return { name, type: T.INT, i: value.int };
  if ('float' in value) return { name, type: T.FLOAT, f: value.float };
  if ('string' in value) return { name, type: T.STRING, s: utf8(value.string) };
  if ('ints' in value) return { name, type: T.INTS, ints: value.ints };
  if ('floats' in value) return { name, type: T.FLOATS, floats: value.floats };
  if ('strings' in value) return { name, type: T.STRINGS, strings: value.strings.map(utf8) };
  return { name, type: T.TENSOR, t: tensorProto(value.tensor) };
}

export function buildModel(spec: ModelSpec): Uint8Array {
  const { graph } = spec;
  const nodes: Onnx.INodeProto[] = graph.nodes.map((n, i) => ({
    name: n.name ?? `${n.op}_${i}`,
    opType: n.op,
    domain: n.domain ?? '',
    input: n.inputs,
    output: n.outputs,
    attribute: Object.entries(n.attributes ?? {}).map(([k, v]) => attribute(k, v)),
  }));
  const usesMl = graph.nodes.some((n) => n.domain === ML_DOMAIN);
  const opsetImport: Onnx.IOperatorSetIdProto[] =
    spec.opset === null ? [] : [{ domain: '', version: spec.opset ?? 17 }];
  if (spec.mlOpset !== undefined || usesMl)
    opsetImport.push({ domain: ML_DOMAIN, version: spec.mlOpset ?? 1 });
  const model: Onnx.IModelProto = {
    irVersion: spec.irVersion ?? 8,
    producerName: 'modelfn-test',
    opsetImport,
    graph: {
      name: graph.name ?? 'graph',
      node: nodes,
      input: graph.inputs,
      output: graph.outputs,
      initializer: (graph.initializers ?? []).map(tensorProto),
      valueInfo: graph.valueInfo ?? [],
    },
  };
  return onnx.ModelProto.encode(model).finish();
}

/** x → y = Identity(x). */
export function identityModel(datatype: DataType, dims: Dim[] = [null, 3]): Uint8Array {
  return buildModel({
    graph: {
      inputs: [tensor('x', datatype, dims)],
      outputs: [tensor('y', datatype, dims)],
      nodes: [{ op: 'Identity', inputs: ['x'], outputs: ['y'] }],
    },
  });
}

export const MULTI_IO_OFFSET = [1, 2, 3];

/** a FP32 [N,3], b INT64 [N,2] → sum = a + MULTI_IO_OFFSET (FP32 [N,3]), b_twice = b * 2 (INT64 [N,2]). */
export function multiIoModel(): Uint8Array {
  return buildModel({
    graph: {
      inputs: [tensor('a', 'FP32', ['N', 3]), tensor('b', 'INT64', ['N', 2])],
      outputs: [tensor('sum', 'FP32', ['N', 3]), tensor('b_twice', 'INT64', ['N', 2])],
      initializers: [
        { name: 'offset', datatype: 'FP32', dims: [3], values: MULTI_IO_OFFSET },
        { name: 'two', datatype: 'INT64', dims: [], values: [2n] },
      ],
      nodes: [
        { op: 'Add', inputs: ['a', 'offset'], outputs: ['sum'] },
        { op: 'Mul', inputs: ['b', 'two'], outputs: ['b_twice'] },
      ],
    },
  });
}

/** x FP32 [batch, seq] → row_sum = ReduceSum over seq (FP32 [batch]), copy = x (FP32 [batch, seq]). */
export function dynamicDimsModel(): Uint8Array {
  return buildModel({
    graph: {
      inputs: [tensor('x', 'FP32', ['batch', 'seq'])],
      outputs: [tensor('row_sum', 'FP32', ['batch']), tensor('copy', 'FP32', ['batch', 'seq'])],
      initializers: [{ name: 'axes', datatype: 'INT64', dims: [1], values: [1n] }],
      nodes: [
        {
          op: 'ReduceSum',
          inputs: ['x', 'axes'],
          outputs: ['row_sum'],
          attributes: { keepdims: { int: 0 } },
        },
        { op: 'Identity', inputs: ['x'], outputs: ['copy'] },
      ],
    },
  });
}

/** image → pixels = Identity(image), FP32, for preprocessing tests: [N,3,H,W], [N,H,W,3], [N,H*W*C]... */
export function imageIdentityModel(shape: Dim[]): Uint8Array {
  return buildModel({
    graph: {
      inputs: [tensor('image', 'FP32', shape)],
      outputs: [tensor('pixels', 'FP32', shape)],
      nodes: [{ op: 'Identity', inputs: ['image'], outputs: ['pixels'] }],
    },
  });
}

/** Well-formed protobuf that onnxruntime rejects at session creation: its only op does not exist. */
export function unloadableModel(): Uint8Array {
  return buildModel({
    graph: {
      inputs: [tensor('x', 'FP32', [null, 3])],
      outputs: [tensor('y', 'FP32', [null, 3])],
      nodes: [{ op: 'NoSuchOperator', inputs: ['x'], outputs: ['y'] }],
    },
  });
}

export interface ClassifierSpec {
  labels: number[] | string[];
  features: number;
  /** As scikit-learn's coef_: one row for a binary problem, one per class otherwise. */
  coefficients: number[][];
  /** As scikit-learn's intercept_: one value for a binary problem, one per class otherwise. */
  intercepts: number[];
  /** multi_class="multinomial" (softmax); default "auto", i.e. softmax only beyond two classes. */
  multinomial?: boolean;
}

/**
 * The graph skl2onnx writes by default (zipmap on) for a float LogisticRegression, following
 * skl2onnx/operator_converters/linear_classifier.py, zip_map.py and _parse.py (_apply_zipmap):
 * - binary: coefficients and intercepts become [-w; w] and [-b, b] so LinearClassifier sees two classes;
 * - post_transform LOGISTIC for ovr (the "auto" binary case), SOFTMAX for multinomial;
 * - LinearClassifier → (label, probability_tensor), then Normalizer(L1) → probabilities whenever the
 *   converter's multi_class > 0 (ovr requested, or more than two classes), else the classifier writes
 *   probabilities directly;
 * - the zipmap step: Cast(label, INT64) or Identity(label) for strings → output_label, and
 *   ZipMap(probabilities) → output_probability, typed seq(map(int64|string, tensor(float))).
 */
export function sklearnClassifier(spec: ClassifierSpec): Uint8Array {
  const classes = spec.labels.length;
  const binary = classes === 2;
  const multinomial = spec.multinomial ?? !binary;
  let coefficients = spec.coefficients.flat();
  let intercepts = spec.intercepts;
  if (binary) {
    coefficients = [...coefficients.map((c) => -c), ...coefficients];
    intercepts = [...intercepts.map((c) => -c), ...intercepts];
  }
  // The converter's multi_class: 1 for an explicit ovr, 2 for more than two classes, 0 otherwise.
  const multiClass = !multinomial && !binary ? 1 : classes > 2 ? 2 : 0;
  const strings = typeof spec.labels[0] === 'string';
  const labelType: DataType = strings ? 'BYTES' : 'INT64';
  const classifierLabels: AttributeValue = strings
    ? { strings: spec.labels as string[] }
    : { ints: spec.labels as number[] };
  const zipmapLabels: Record<string, AttributeValue> = strings
    ? { classlabels_strings: { strings: spec.labels as string[] } }
    : { classlabels_int64s: { ints: spec.labels as number[] } };
  const probabilities = 'probabilities';
  const nodes: NodeSpec[] = [
    {
      op: 'LinearClassifier',
      name: 'LinearClassifier',
      domain: ML_DOMAIN,
      inputs: ['float_input'],
      outputs: ['label', multiClass > 0 ? 'probability_tensor' : probabilities],
      attributes: {
        coefficients: { floats: coefficients },
        intercepts: { floats: intercepts },
        multi_class: { int: multiClass === 2 ? 1 : 0 },
        post_transform: { string: multinomial ? 'SOFTMAX' : 'LOGISTIC' },
        [strings ? 'classlabels_strings' : 'classlabels_ints']: classifierLabels,
      },
    },
  ];
  if (multiClass > 0) {
    nodes.push({
      op: 'Normalizer',
      name: 'Normalizer',
      domain: ML_DOMAIN,
      inputs: ['probability_tensor'],
      outputs: [probabilities],
      attributes: { norm: { string: 'L1' } },
    });
  }
  nodes.push(
    strings
      ? { op: 'Identity', name: 'Identity', inputs: ['label'], outputs: ['output_label'] }
      : {
          op: 'Cast',
          name: 'Cast',
          inputs: ['label'],
          outputs: ['output_label'],
          attributes: { to: { int: onnx.TensorProto.DataType.INT64 } },
        },
    {
      op: 'ZipMap',
      name: 'ZipMap',
      domain: ML_DOMAIN,
      inputs: [probabilities],
      outputs: ['output_probability'],
      attributes: zipmapLabels,
    },
  );
  return buildModel({
    graph: {
      inputs: [tensor('float_input', 'FP32', [null, spec.features])],
      outputs: [
        tensor('output_label', labelType, [null]),
        { name: 'output_probability', type: sequenceType(mapType(labelType, tensorType('FP32'))) },
      ],
      nodes,
    },
  });
}
