import { buildModel, tensor, type Dim } from './onnx-builder.js';

export interface SegmentationModelSpec {
  /** Side of the square input image (1024 for IS-Net's shape). */
  side: number;
  /** Channels of the large feature output at half the side (64 as IS-Net's largest). */
  features?: number;
  /** Height and width as symbolic dims (sizes known only once the model runs), else fixed to `side`. */
  dynamicSize?: boolean;
}

/**
 * x FP32 [N, 3, S, S] → three outputs shaped like a background-removal model's (IS-Net answers twelve, from
 * [1, 1, S, S] up to [1, 64, S/2, S/2]):
 * - `mask` [N, 1, S, S] = sigmoid(mean of the channels), the small output a user wants;
 * - `coarse` [N, 1, S/2, S/2] = mean of the channels of the 2×2 average-pooled image;
 * - `features` [N, F, S/2, S/2] = the pooled image through a 1×1 convolution whose k-th filter is (k+1, 0, 0):
 *   channel k is (k+1) × the pooled red channel — large, and known exactly.
 */
export function segmentationModel(spec: SegmentationModelSpec): Uint8Array {
  const { side } = spec;
  const f = spec.features ?? 64;
  const half = side / 2;
  const size = (n: number, sym: string): Dim => (spec.dynamicSize ? sym : n);
  const weights = Array.from({ length: f * 3 }, (_, i) => (i % 3 === 0 ? i / 3 + 1 : 0));
  return buildModel({
    graph: {
      inputs: [tensor('x', 'FP32', ['N', 3, size(side, 'H'), size(side, 'W')])],
      outputs: [
        tensor('mask', 'FP32', ['N', 1, size(side, 'H'), size(side, 'W')]),
        tensor('coarse', 'FP32', ['N', 1, size(half, 'H2'), size(half, 'W2')]),
        tensor('features', 'FP32', ['N', f, size(half, 'H2'), size(half, 'W2')]),
      ],
      initializers: [{ name: 'w', datatype: 'FP32', dims: [f, 3, 1, 1], values: weights }],
      nodes: [
        {
          op: 'ReduceMean',
          inputs: ['x'],
          outputs: ['m'],
          attributes: { axes: { ints: [1] }, keepdims: { int: 1 } },
        },
        { op: 'Sigmoid', inputs: ['m'], outputs: ['mask'] },
        {
          op: 'AveragePool',
          inputs: ['x'],
          outputs: ['p'],
          attributes: { kernel_shape: { ints: [2, 2] }, strides: { ints: [2, 2] } },
        },
        {
          op: 'ReduceMean',
          inputs: ['p'],
          outputs: ['coarse'],
          attributes: { axes: { ints: [1] }, keepdims: { int: 1 } },
        },
        {
          op: 'Conv',
          inputs: ['p', 'w'],
          outputs: ['features'],
          attributes: { kernel_shape: { ints: [1, 1] } },
        },
      ],
    },
  });
}
