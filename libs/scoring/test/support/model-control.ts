import { buildModel, tensor } from '@modelfn/model-builder';
import type { Answer } from '../../src/index.js';

/** x FP32 [N,1] → y = x + offset: which version answered is read off the answer. */
export function offsetModel(offset: number): Uint8Array {
  return buildModel({
    graph: {
      inputs: [tensor('x', 'FP32', [null, 1])],
      outputs: [tensor('y', 'FP32', [null, 1])],
      initializers: [{ name: 'offset', datatype: 'FP32', dims: [1], values: [offset] }],
      nodes: [{ op: 'Add', inputs: ['x', 'offset'], outputs: ['y'] }],
    },
  });
}

/** The first value of a model's first output. */
export function valueOf(answer: Answer): number {
  if (!('outputs' in answer)) throw new Error(`not a model's answer: ${JSON.stringify(answer)}`);
  return Number((answer.outputs[0].data as Float32Array)[0]);
}

/**
 * Waits until `ok` holds, checking every 20 ms; fails after `timeoutMs`, a bound far above what the step
 * takes, so that only a step that never happens fails (no test here measures time).
 */
export async function pollUntil(ok: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await ok()) return;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until) throw new Error(`not within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
