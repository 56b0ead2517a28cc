import { describe, expect, it } from 'vitest';
import { ModelQueue, type ModelQueueOptions, type RunBatch } from '../../src/pipeline/model-queue.js';
import type { Tensor } from '../../src/tensor/tensor.js';

/** `rows` rows of one FP32 value each, counting up from v. */
const rowsOf = (v: number, rows = 1): Tensor[] => [
  {
    name: 'x',
    datatype: 'FP32',
    shape: [rows, 1],
    data: Float32Array.from({ length: rows }, (_, i) => v + i),
  },
];
const values = (out: Tensor[]) => Array.from(out[0].data as Float32Array);

/** A model that echoes its input and costs `fixed + perRow × rows` ms (simulated). */
function echo(calls: number[], opts: { delayMs?: number; fixed?: number; perRow?: number } = {}): RunBatch {
  return async (inputs, rows) => {
    calls.push(rows);
    await new Promise((r) => setTimeout(r, opts.delayMs ?? 2));
    const seconds = ((opts.fixed ?? 0.1) + (opts.perRow ?? 0.01) * rows) / 1000;
    return { outputs: inputs.map((t) => ({ ...t, data: (t.data as Float32Array).slice() })), seconds };
  };
}

function queue(run: RunBatch, opts: Partial<ModelQueueOptions> = {}): ModelQueue {
  return new ModelQueue(run, {
    model: 'm',
    maxBatchRows: 8,
    merge: true,
    adaptive: false,
    maxQueueDelayMicros: 1000,
    concurrency: () => 1,
    maxRows: 1000,
    maxBytes: 1 << 20,
    ...opts,
  });
}

describe('ModelQueue', () => {
  it('gives every caller its own rows back', async () => {
    const calls: number[] = [];
    const q = queue(echo(calls));
    const outs = await Promise.all([1, 2, 3, 4].map((v) => q.submit(rowsOf(v), 1)));
    expect(outs.map(values)).toEqual([[1], [2], [3], [4]]);
    expect(calls).toEqual([4]);
  });

  it('never exceeds the batch size, and queues what arrives during a run', async () => {
    const calls: number[] = [];
    const q = queue(echo(calls, { delayMs: 5 }), { maxBatchRows: 3, maxQueueDelayMicros: 0 });
    const outs = await Promise.all(Array.from({ length: 7 }, (_, i) => q.submit(rowsOf(i), 1)));
    expect(outs.map(values).flat()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(Math.max(...calls)).toBeLessThanOrEqual(3);
    expect(calls.reduce((a, c) => a + c, 0)).toBe(7);
  });

  it('rejects every caller of a failed batch', async () => {
    const q = queue(async () => Promise.reject(new Error('down')), { maxQueueDelayMicros: 500 });
    const rs = await Promise.allSettled([q.submit(rowsOf(1), 1), q.submit(rowsOf(2), 1)]);
    expect(rs.every((r) => r.status === 'rejected')).toBe(true);
  });

  it('turns a sub-millisecond delay into one event-loop turn: what arrives in this turn joins the batch', async () => {
    const calls: number[] = [];
    const q = queue(echo(calls), { maxQueueDelayMicros: 100 });
    const one = q.submit(rowsOf(1), 1);
    const two = q.submit(rowsOf(2), 1);
    await new Promise((r) => setImmediate(r));
    const three = q.submit(rowsOf(3), 1);
    expect((await Promise.all([one, two, three])).map(values)).toEqual([[1], [2], [3]]);
    expect(calls).toEqual([2, 1]);
  });

  it('does not merge requests when the config has no dynamic batching', async () => {
    const calls: number[] = [];
    const q = queue(echo(calls), { merge: false });
    await Promise.all([1, 2, 3].map((v) => q.submit(rowsOf(v), 1)));
    expect(calls).toEqual([1, 1, 1]);
  });

  it('runs as many batches at a time as its placement allows', async () => {
    let running = 0;
    let peak = 0;
    const q = queue(
      async (inputs) => {
        peak = Math.max(peak, ++running);
        await new Promise((r) => setTimeout(r, 10));
        running--;
        return { outputs: inputs, seconds: 0.01 };
      },
      { merge: false, concurrency: () => 3 },
    );
    await Promise.all(Array.from({ length: 9 }, (_, i) => q.submit(rowsOf(i), 1)));
    expect(peak).toBe(3);
  });

  it('refuses with OVERLOADED beyond its row limit, and takes work again once it drains', async () => {
    const calls: number[] = [];
    const q = queue(echo(calls, { delayMs: 20 }), { merge: false, maxRows: 4 });
    const accepted = Array.from({ length: 5 }, (_, i) => q.submit(rowsOf(i), 1));
    // One runs, four wait: the queue is full.
    await expect(q.submit(rowsOf(9), 1)).rejects.toMatchObject({ code: 'OVERLOADED', status: 503 });
    await expect(q.submit(rowsOf(9, 2), 2)).rejects.toMatchObject({ code: 'OVERLOADED' });
    expect((await Promise.all(accepted)).map(values).flat()).toEqual([0, 1, 2, 3, 4]);
    await expect(q.submit(rowsOf(7), 1)).resolves.toBeDefined();
  });

  it('refuses beyond its byte limit', async () => {
    const q = queue(echo([], { delayMs: 20 }), { merge: false, maxBytes: 16 });
    const first = q.submit(rowsOf(0, 4), 4);
    const second = q.submit(rowsOf(0, 4), 4);
    await expect(q.submit(rowsOf(0, 1), 1)).rejects.toMatchObject({ code: 'OVERLOADED' });
    await Promise.all([first, second]);
  });

  it('learns that batching does not pay for a model whose cost is all per row, and splits requests', async () => {
    const calls: number[] = [];
    const q = queue(echo(calls, { delayMs: 1, fixed: 0.01, perRow: 25 }), {
      adaptive: true,
      maxBatchRows: 16,
      maxQueueDelayMicros: 0,
    });
    for (let i = 0; i < 6; i++)
      await Promise.all(Array.from({ length: 6 }, (_, k) => q.submit(rowsOf(k), 1)));
    expect(q.batchLimit()).toBeLessThanOrEqual(2);
    calls.length = 0;
    const out = await q.submit(rowsOf(10, 6), 6);
    expect(values(out)).toEqual([10, 11, 12, 13, 14, 15]);
    expect(Math.max(...calls)).toBeLessThanOrEqual(2);
  });

  it('keeps batching large for a model with a large fixed cost per run', async () => {
    const q = queue(echo([], { delayMs: 1, fixed: 1, perRow: 0.005 }), {
      adaptive: true,
      maxBatchRows: 64,
      maxQueueDelayMicros: 0,
    });
    for (let i = 0; i < 6; i++)
      await Promise.all(Array.from({ length: 12 }, (_, k) => q.submit(rowsOf(k), 1)));
    expect(q.batchLimit()).toBe(64);
  });
});
