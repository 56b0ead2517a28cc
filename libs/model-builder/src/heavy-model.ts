import { buildModel, tensor } from './onnx-builder.js';

export interface HeavyModelSpec {
  /** Features per row (input and every layer). */
  width: number;
  /** MatMul + Tanh layers; they share one weight matrix, so the file stays width² floats. */
  layers: number;
  seed?: number;
}

/** Park–Miller: the same weights on every machine, without a dependency. */
function random(seed: number): () => number {
  let s = seed % 2147483647 || 1;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

/**
 * x FP32 [N, width] → y FP32 [N, width]: a deep, wide MLP whose cost grows with rows and layers and has
 * almost no fixed part — the shape of a real CPU-heavy model (batching does not pay), built in a test.
 */
export function heavyModel(spec: HeavyModelSpec): Uint8Array {
  const { width, layers } = spec;
  const next = random(spec.seed ?? 1234);
  const scale = 1 / Math.sqrt(width);
  const weights = Array.from({ length: width * width }, () => (next() * 2 - 1) * scale);
  const nodes = [];
  let x = 'x';
  for (let i = 0; i < layers; i++) {
    const m = `m${i}`;
    const out = i === layers - 1 ? 'y' : `h${i}`;
    nodes.push({ op: 'MatMul', inputs: [x, 'w'], outputs: [m] }, { op: 'Tanh', inputs: [m], outputs: [out] });
    x = out;
  }
  return buildModel({
    graph: {
      inputs: [tensor('x', 'FP32', ['N', width])],
      outputs: [tensor('y', 'FP32', ['N', width])],
      initializers: [{ name: 'w', datatype: 'FP32', dims: [width, width], values: weights }],
      nodes,
    },
  });
}
