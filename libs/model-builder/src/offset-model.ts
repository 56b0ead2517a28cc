import { buildModel, tensor } from './onnx-builder.js';

/**
 * x FP32 [N, 1] → y = x + offset (FP32 [N, 1]): versions of one model that answer differently, so a test
 * tells from an answer alone which version gave it (traffic splits, cache keys per model file).
 */
export function offsetModel(offset: number): Uint8Array {
  return buildModel({
    graph: {
      inputs: [tensor('x', 'FP32', ['N', 1])],
      outputs: [tensor('y', 'FP32', ['N', 1])],
      initializers: [{ name: 'offset', datatype: 'FP32', dims: [1], values: [offset] }],
      nodes: [{ op: 'Add', inputs: ['x', 'offset'], outputs: ['y'] }],
    },
  });
}
