// Serialises the trained MLP as an ONNX ModelProto. Field numbers follow onnx/onnx.proto (IR version 7);
// they are named below so a reader can check each one against the spec.
import type { Mlp } from './mlp.js';
import { ProtoWriter, float32LittleEndian } from './protobuf.js';

const ModelProto = { ir_version: 1, producer_name: 2, graph: 7, opset_import: 8 } as const;
const OperatorSetIdProto = { domain: 1, version: 2 } as const;
const GraphProto = { node: 1, name: 2, initializer: 5, input: 11, output: 12 } as const;
const NodeProto = { input: 1, output: 2, name: 3, op_type: 4, attribute: 5 } as const;
const AttributeProto = { name: 1, i: 3, type: 20 } as const;
const AttributeType = { INT: 2 } as const;
const TensorProto = { dims: 1, data_type: 2, name: 8, raw_data: 9 } as const;
const TensorDataType = { FLOAT: 1 } as const;
const ValueInfoProto = { name: 1, type: 2 } as const;
const TypeProto = { tensor_type: 1 } as const;
const TypeProtoTensor = { elem_type: 1, shape: 2 } as const;
const TensorShapeProto = { dim: 1 } as const;
const Dimension = { dim_value: 1, dim_param: 2 } as const;

export const ONNX_IR_VERSION = 7;
export const ONNX_OPSET = 13;
export const PRODUCER_NAME = 'modelfn-train-mnist';
export const INPUT_NAME = 'input';
export const OUTPUT_NAME = 'probabilities';
/** Symbolic batch dimension so one model serves any batch size. */
export const BATCH_DIM_PARAM = 'N';

type Dim = number | string;

function valueInfo(name: string, dims: Dim[]): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of dims) {
    const dim = new ProtoWriter();
    if (typeof d === 'string') dim.string(Dimension.dim_param, d);
    else dim.varint(Dimension.dim_value, d);
    shape.message(TensorShapeProto.dim, dim);
  }
  const tensorType = new ProtoWriter()
    .varint(TypeProtoTensor.elem_type, TensorDataType.FLOAT)
    .message(TypeProtoTensor.shape, shape);
  const type = new ProtoWriter().message(TypeProto.tensor_type, tensorType);
  return new ProtoWriter().string(ValueInfoProto.name, name).message(ValueInfoProto.type, type);
}

function floatTensor(name: string, dims: number[], data: Float32Array): ProtoWriter {
  const expected = dims.reduce((a, b) => a * b, 1);
  if (data.length !== expected) {
    throw new Error(
      `initializer ${name}: shape [${dims.join(', ')}] needs ${expected} values, got ${data.length}`,
    );
  }
  const t = new ProtoWriter();
  for (const d of dims) t.varint(TensorProto.dims, d);
  return t
    .varint(TensorProto.data_type, TensorDataType.FLOAT)
    .string(TensorProto.name, name)
    .bytes(TensorProto.raw_data, float32LittleEndian(data));
}

function node(
  opType: string,
  name: string,
  inputs: string[],
  outputs: string[],
  intAttrs: Record<string, number> = {},
): ProtoWriter {
  const n = new ProtoWriter();
  for (const i of inputs) n.string(NodeProto.input, i);
  for (const o of outputs) n.string(NodeProto.output, o);
  n.string(NodeProto.name, name).string(NodeProto.op_type, opType);
  for (const [attrName, value] of Object.entries(intAttrs)) {
    const a = new ProtoWriter()
      .string(AttributeProto.name, attrName)
      .varint(AttributeProto.i, value)
      .varint(AttributeProto.type, AttributeType.INT);
    n.message(NodeProto.attribute, a);
  }
  return n;
}

/**
 * Builds `input[N,in] -> Gemm(W1,b1) -> Relu -> Gemm(W2,b2) -> Softmax(axis=1) -> probabilities[N,out]`.
 * Weights are stored [in, out] row-major, which is exactly Gemm's B with transB=0.
 */
export function encodeMlpOnnx(model: Mlp, graphName = 'mnist_mlp'): Uint8Array {
  const { inputSize, hiddenSize, outputSize } = model;
  const graph = new ProtoWriter()
    .message(GraphProto.node, node('Gemm', 'fc1', [INPUT_NAME, 'W1', 'b1'], ['fc1_out']))
    .message(GraphProto.node, node('Relu', 'relu1', ['fc1_out'], ['relu1_out']))
    .message(GraphProto.node, node('Gemm', 'fc2', ['relu1_out', 'W2', 'b2'], ['logits']))
    .message(GraphProto.node, node('Softmax', 'softmax', ['logits'], [OUTPUT_NAME], { axis: 1 }))
    .string(GraphProto.name, graphName)
    .message(GraphProto.initializer, floatTensor('W1', [inputSize, hiddenSize], model.w1))
    .message(GraphProto.initializer, floatTensor('b1', [hiddenSize], model.b1))
    .message(GraphProto.initializer, floatTensor('W2', [hiddenSize, outputSize], model.w2))
    .message(GraphProto.initializer, floatTensor('b2', [outputSize], model.b2))
    .message(GraphProto.input, valueInfo(INPUT_NAME, [BATCH_DIM_PARAM, inputSize]))
    .message(GraphProto.output, valueInfo(OUTPUT_NAME, [BATCH_DIM_PARAM, outputSize]));

  const opset = new ProtoWriter()
    .string(OperatorSetIdProto.domain, '')
    .varint(OperatorSetIdProto.version, ONNX_OPSET);

  return new ProtoWriter()
    .varint(ModelProto.ir_version, ONNX_IR_VERSION)
    .string(ModelProto.producer_name, PRODUCER_NAME)
    .message(ModelProto.graph, graph)
    .message(ModelProto.opset_import, opset)
    .finish();
}
