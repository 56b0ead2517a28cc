import { describe, expect, it } from 'vitest';
import { DynamicBatcher } from '../../src/pipeline/batcher.js';
import type { Tensor } from '../../src/tensor/tensor.js';

/** One row of one FP32 value. */
const row = (v: number): Tensor[] => [
  { name: 'x', datatype: 'FP32', shape: [1, 1], data: Float32Array.of(v) },
];
const first = (out: Tensor[]) => (out[0].data as Float32Array)[0];

function echo(calls: number[], delayMs = 2) {
  return async (inputs: Tensor[], rows: number): Promise<Tensor[]> => {
    calls.push(rows);
    await new Promise((r) => setTimeout(r, delayMs));
    return inputs.map((t) => ({ ...t, data: (t.data as Float32Array).slice() }));
  };
}

describe('DynamicBatcher', () => {
  it('gives every caller its own rows back', async () => {
    const calls: number[] = [];
    const b = new DynamicBatcher(echo(calls), { maxBatchRows: 8, maxQueueDelayMicros: 1000 });
    const outs = await Promise.all([1, 2, 3, 4].map((v) => b.submit(row(v), 1)));
    expect(outs.map(first)).toEqual([1, 2, 3, 4]);
    expect(outs.every((o) => o[0].shape[0] === 1)).toBe(true);
    expect(calls).toEqual([4]);
  });

  it('never exceeds maxBatchRows, and queues what arrives during a run', async () => {
    const calls: number[] = [];
    const b = new DynamicBatcher(echo(calls, 5), { maxBatchRows: 3, maxQueueDelayMicros: 0 });
    const outs = await Promise.all(Array.from({ length: 7 }, (_, i) => b.submit(row(i), 1)));
    expect(outs.map(first)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(Math.max(...calls)).toBeLessThanOrEqual(3);
    expect(calls.reduce((a, c) => a + c, 0)).toBe(7);
  });

  it('rejects every caller of a failed batch', async () => {
    const b = new DynamicBatcher(async () => Promise.reject(new Error('down')), {
      maxBatchRows: 4,
      maxQueueDelayMicros: 500,
    });
    const rs = await Promise.allSettled([b.submit(row(1), 1), b.submit(row(2), 1)]);
    expect(rs.every((r) => r.status === 'rejected')).toBe(true);
  });

  it('turns a sub-millisecond delay into one event-loop turn: what arrives in this turn joins the batch', async () => {
    const calls: number[] = [];
    const b = new DynamicBatcher(echo(calls), { maxBatchRows: 8, maxQueueDelayMicros: 100 });
    const one = b.submit(row(1), 1);
    // Still in this turn: the same batch. After the batcher's immediate (queued before ours): the next one.
    const two = b.submit(row(2), 1);
    await new Promise((r) => setImmediate(r));
    const three = b.submit(row(3), 1);
    expect((await Promise.all([one, two, three])).map(first)).toEqual([1, 2, 3]);
    expect(calls).toEqual([2, 1]);
  });
});
