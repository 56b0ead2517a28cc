import type { Answer } from '../../src/index.js';

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
