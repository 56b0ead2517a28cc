/**
 * config.json's `top_k`: outputs the graph itself reduces to their k largest entries along the last axis.
 * A recognizer's softmax over thousands of classes (PP-OCRv4: 6,625 a time step, 4 MB a line) is then
 * returned as k values and k indices a step, computed by onnxruntime where the run happens, so megabytes
 * are never copied out of onnxruntime, moved between threads or scanned in JavaScript. Works on the model
 * bytes only; the file on disk is never touched.
 */
import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';
import {
  body,
  defaultOpset,
  encodedField,
  GRAPH_INITIALIZER,
  GRAPH_NODE,
  GRAPH_OUTPUT,
  graphOf,
  spliceGraph,
  type Field,
} from './onnx-splice.js';

// onnx-proto is CommonJS whose exports are assigned at run time, so only the default import works in ESM.
const { onnx } = onnxProto;

/** The outputs an output `name` becomes under top_k: its k largest values, and their indices (INT32). */
function topKOutputs(name: string): { values: string; indices: string } {
  return { values: `${name}.values`, indices: `${name}.indices` };
}

const NUMERIC = new Set<number>([
  onnx.TensorProto.DataType.FLOAT,
  onnx.TensorProto.DataType.DOUBLE,
  onnx.TensorProto.DataType.FLOAT16,
  onnx.TensorProto.DataType.INT8,
  onnx.TensorProto.DataType.INT16,
  onnx.TensorProto.DataType.INT32,
  onnx.TensorProto.DataType.INT64,
  onnx.TensorProto.DataType.UINT8,
  onnx.TensorProto.DataType.UINT16,
  onnx.TensorProto.DataType.UINT32,
  onnx.TensorProto.DataType.UINT64,
]);

/**
 * Replaces each graph output named in `topK` by TopK(k, last axis) of it: `<name>.values` (its type) and
 * `<name>.indices` (INT32, through a Cast: the INT64 TopK gives would reach JavaScript as BigInts), both
 * shaped as the output with the last dimension k, largest first. Throws with what to change when an
 * output is missing or cannot be reduced.
 */
export function appendTopK(bytes: Uint8Array, topK: Record<string, number>): Uint8Array {
  const parsed = graphOf(bytes);
  const outputs = parsed.graphFields
    .filter((f) => f.no === GRAPH_OUTPUT)
    .map((field) => ({ field, info: onnx.ValueInfoProto.decode(body(bytes, field)) }));
  const opset = defaultOpset(bytes);
  if (opset === undefined || opset < 1)
    throw new Error('top_k needs a graph that imports the default ONNX opset (TopK is one of its operators)');
  const replace = new Map<Field, Uint8Array[]>();
  const append: Uint8Array[] = [];
  for (const [name, k] of Object.entries(topK)) {
    const output = outputs.find((o) => o.info.name === name);
    if (!output) {
      throw new Error(
        `top_k names "${name}", which is not an output of the graph; its outputs are ${outputs.map((o) => `"${o.info.name}"`).join(', ')}`,
      );
    }
    const type = output.info.type?.tensorType;
    const dims = type?.shape?.dim ?? [];
    if (!type || !NUMERIC.has(type.elemType ?? 0) || dims.length === 0) {
      throw new Error(`top_k: output "${name}" must be a numeric tensor with at least one dimension`);
    }
    const last = Number(String(dims[dims.length - 1].dimValue ?? 0));
    if (last > 0 && k > last) {
      throw new Error(`top_k: output "${name}" has ${last} entries along its last axis, fewer than k = ${k}`);
    }
    const { values, indices } = topKOutputs(name);
    const wide = `${indices}.int64`;
    const kName = `${name}.k`;
    // TopK-1 (opsets 1-9) takes k as an attribute; from opset 10 on it is an INT64 input.
    const kAsInput = opset >= 10;
    if (kAsInput) {
      const tensor = onnx.TensorProto.create({
        name: kName,
        dims: [1],
        dataType: onnx.TensorProto.DataType.INT64,
        int64Data: [k],
      });
      append.push(encodedField(GRAPH_INITIALIZER, onnx.TensorProto.encode(tensor).finish()));
    }
    const attribute: Onnx.IAttributeProto[] = [
      { name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: -1 },
    ];
    if (!kAsInput) attribute.push({ name: 'k', type: onnx.AttributeProto.AttributeType.INT, i: k });
    const topKNode = onnx.NodeProto.create({
      name: `${name}.top_k`,
      opType: 'TopK',
      domain: '',
      input: kAsInput ? [name, kName] : [name],
      output: [values, wide],
      attribute,
    });
    const cast = onnx.NodeProto.create({
      name: `${name}.indices_int32`,
      opType: 'Cast',
      domain: '',
      input: [wide],
      output: [indices],
      attribute: [
        { name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: onnx.TensorProto.DataType.INT32 },
      ],
    });
    append.push(
      encodedField(GRAPH_NODE, onnx.NodeProto.encode(topKNode).finish()),
      encodedField(GRAPH_NODE, onnx.NodeProto.encode(cast).finish()),
    );
    const shape = { dim: [...dims.slice(0, -1), { dimValue: k }] };
    const info = (n: string, elemType: number) =>
      encodedField(
        GRAPH_OUTPUT,
        onnx.ValueInfoProto.encode({ name: n, type: { tensorType: { elemType, shape } } }).finish(),
      );
    replace.set(output.field, [info(values, type.elemType!), info(indices, onnx.TensorProto.DataType.INT32)]);
  }
  return spliceGraph(bytes, parsed, { replace, append });
}
