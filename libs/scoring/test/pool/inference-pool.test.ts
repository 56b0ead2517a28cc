import { heavyModel, segmentationModel } from '@modelfn/model-builder';
import * as ort from 'onnxruntime-node';
import { afterEach, describe, expect, it } from 'vitest';
import { InferencePool } from '../../src/pool/inference-pool.js';
import type { Tensor } from '../../src/tensor/tensor.js';

const WIDTH = 256;
const bytes = heavyModel({ width: WIDTH, layers: 400 });
const spec = { key: 'heavy/1/model.onnx', source: bytes, intraOpThreads: 1, outputNames: ['y'] };

function input(rows: number, seed: number): Tensor {
  const data = new Float32Array(rows * WIDTH).map((_, i) => Math.sin(seed + i));
  return { name: 'x', datatype: 'FP32', shape: [rows, WIDTH], data };
}

async function inline(t: Tensor): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  const out = await s.run({ x: new ort.Tensor('float32', t.data as Float32Array, t.shape) });
  await s.release();
  return out.y.data as Float32Array;
}

let pool: InferencePool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

describe('InferencePool', () => {
  it('answers what the session answers in this thread, and leaves the caller its tensors', async () => {
    pool = new InferencePool(2);
    await pool.register(spec);
    const x = input(3, 1);
    const before = Float32Array.from(x.data as Float32Array);
    const { outputs, seconds } = await pool.run(spec.key, [x]);
    expect(outputs[0].shape).toEqual([3, WIDTH]);
    expect(Array.from(outputs[0].data as Float32Array)).toEqual(Array.from(await inline(x)));
    expect(Array.from(x.data as Float32Array)).toEqual(Array.from(before));
    expect(seconds).toBeGreaterThan(0);
  });

  it('fetches only the outputs a run names: the others never leave the thread', async () => {
    pool = new InferencePool(1);
    const seg = {
      key: 'seg/1/model.onnx',
      source: segmentationModel({ side: 8 }),
      intraOpThreads: 1,
      outputNames: ['mask', 'coarse', 'features'],
    };
    await pool.register(seg);
    const x: Tensor = {
      name: 'x',
      datatype: 'FP32',
      shape: [1, 3, 8, 8],
      data: new Float32Array(192).fill(1),
    };
    const all = await pool.run(seg.key, [x]);
    expect(all.outputs.map((t) => t.name)).toEqual(['mask', 'coarse', 'features']);
    const { outputs } = await pool.run(seg.key, [x], ['coarse']);
    expect(outputs.map((t) => t.name)).toEqual(['coarse']);
    expect(Array.from(outputs[0].data as Float32Array)).toEqual(new Array(16).fill(1));
  });

  it('keeps the event loop turning while runs take many milliseconds', async () => {
    pool = new InferencePool(2);
    await pool.register(spec);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const started = performance.now();
    await Promise.all(Array.from({ length: 8 }, (_, i) => pool!.run(spec.key, [input(4, i)])));
    const elapsed = performance.now() - started;
    clearInterval(timer);
    // A blocked loop lets no 1 ms timer through during a run; a free one fires about once per ms.
    expect(ticks).toBeGreaterThan(elapsed / 10);
  });

  it('loses no job when threads are recycled or one dies mid-run', async () => {
    pool = new InferencePool(2);
    await pool.register(spec);
    const inputs = Array.from({ length: 24 }, (_, i) => input(1, i));
    const expected = await Promise.all(inputs.slice(0, 3).map(inline));
    const runs = inputs.map((x) => pool!.run(spec.key, [x]));
    await new Promise((r) => setTimeout(r, 5));
    // A crash: an uncaught error in the thread (a message it cannot read), not a shutdown it was asked for.
    const threads = (pool as unknown as { threads: { worker: { postMessage(m: unknown): void } }[] }).threads;
    threads[0].worker.postMessage(null);
    await pool.recycle();
    const results = await Promise.all(runs);
    expect(results).toHaveLength(24);
    for (let i = 0; i < 3; i++)
      expect(Array.from(results[i].outputs[0].data as Float32Array)).toEqual(Array.from(expected[i]));
    expect(pool.started).toBeGreaterThanOrEqual(4);
  });

  it('replaces a thread after its maximum number of runs, answering every job', async () => {
    pool = new InferencePool(1, 3);
    await pool.register(spec);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => pool!.run(spec.key, [input(1, i)])),
    );
    expect(results).toHaveLength(10);
    expect(pool.started).toBeGreaterThanOrEqual(3);
  });

  it('fails a run of an unknown session and refuses work once closed', async () => {
    pool = new InferencePool(1);
    await expect(pool.run('nope', [input(1, 0)])).rejects.toThrow(/not in the inference pool/);
    await pool.register(spec);
    const closing = pool.close();
    await closing;
    await expect(pool.run(spec.key, [input(1, 0)])).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('reports a session a thread cannot load', async () => {
    pool = new InferencePool(1);
    await expect(pool.register({ ...spec, key: 'bad', source: new Uint8Array([1, 2, 3]) })).rejects.toThrow();
    await pool.register(spec);
    await expect(pool.run(spec.key, [input(1, 0)])).resolves.toBeDefined();
  });
});
