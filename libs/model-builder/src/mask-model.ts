import { buildModel, tensor } from './onnx-builder.js';

/**
 * x FP32 [N, 3, S, S] → outputs an image answer's tests can predict pixel by pixel:
 * - `mask` [N, 1, S, S] = the mean of the channels (with preprocessing scale 1/255: white 1, black 0);
 * - `half` [N, 1, S/2, S/2] = that mean, 2×2 average-pooled (an output smaller than the input);
 * - `image` [N, 3, S, S] = x itself (an image-to-image model's output).
 */
export function maskModel(side: number): Uint8Array {
  return buildModel({
    graph: {
      inputs: [tensor('x', 'FP32', ['N', 3, side, side])],
      outputs: [
        tensor('mask', 'FP32', ['N', 1, side, side]),
        tensor('half', 'FP32', ['N', 1, side / 2, side / 2]),
        tensor('image', 'FP32', ['N', 3, side, side]),
      ],
      nodes: [
        {
          op: 'ReduceMean',
          inputs: ['x'],
          outputs: ['mask'],
          attributes: { axes: { ints: [1] }, keepdims: { int: 1 } },
        },
        {
          op: 'AveragePool',
          inputs: ['mask'],
          outputs: ['half'],
          attributes: { kernel_shape: { ints: [2, 2] }, strides: { ints: [2, 2] } },
        },
        { op: 'Identity', inputs: ['x'], outputs: ['image'] },
      ],
    },
  });
}
