import { describe, expect, it } from 'vitest';
import { DynamicBatcher } from '../src/batcher.js';

function echo(calls: number[], delayMs = 2) {
  return async (data: Float32Array, rows: number) => {
    calls.push(rows);
    await new Promise((r) => setTimeout(r, delayMs));
    return data.slice();
  };
}

describe('DynamicBatcher', () => {
  it('gives every caller its own rows back', async () => {
    const calls: number[] = [];
    const b = new DynamicBatcher(echo(calls), {
      maxBatchRows: 8,
      maxQueueDelayMicros: 1000,
      features: 1,
      classes: 1,
    });
    const outs = await Promise.all([1, 2, 3, 4].map((v) => b.submit(Float32Array.of(v), 1)));
    expect(outs.map((o) => o[0])).toEqual([1, 2, 3, 4]);
    expect(calls).toEqual([4]);
  });

  it('never exceeds maxBatchRows, and queues what arrives during a run', async () => {
    const calls: number[] = [];
    const b = new DynamicBatcher(echo(calls, 5), {
      maxBatchRows: 3,
      maxQueueDelayMicros: 0,
      features: 1,
      classes: 1,
    });
    const outs = await Promise.all(Array.from({ length: 7 }, (_, i) => b.submit(Float32Array.of(i), 1)));
    expect(outs.map((o) => o[0])).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(Math.max(...calls)).toBeLessThanOrEqual(3);
    expect(calls.reduce((a, c) => a + c, 0)).toBe(7);
  });

  it('rejects every caller of a failed batch', async () => {
    const b = new DynamicBatcher(async () => Promise.reject(new Error('down')), {
      maxBatchRows: 4,
      maxQueueDelayMicros: 500,
      features: 1,
      classes: 1,
    });
    const rs = await Promise.allSettled([b.submit(Float32Array.of(1), 1), b.submit(Float32Array.of(2), 1)]);
    expect(rs.every((r) => r.status === 'rejected')).toBe(true);
  });

  it('turns a sub-millisecond delay into one event-loop turn: what arrives in this turn joins the batch', async () => {
    const calls: number[] = [];
    const b = new DynamicBatcher(echo(calls), {
      maxBatchRows: 8,
      maxQueueDelayMicros: 100,
      features: 1,
      classes: 1,
    });
    const first = b.submit(Float32Array.of(1), 1);
    // Still in this turn: the same batch. After the batcher's immediate (queued before ours): the next one.
    const second = b.submit(Float32Array.of(2), 1);
    await new Promise((r) => setImmediate(r));
    const third = b.submit(Float32Array.of(3), 1);
    expect((await Promise.all([first, second, third])).map((o) => o[0])).toEqual([1, 2, 3]);
    expect(calls).toEqual([2, 1]);
  });
});
