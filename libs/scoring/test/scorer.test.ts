import { describe, expect, it } from 'vitest';
import type { RowCache } from '../src/cache/index.js';
import { inferencePipeline } from '../src/pipeline/inference-pipeline.js';
import { readSettings } from '../src/settings.js';
import {
  fakeModel,
  floatRows as batch,
  MapCache,
  repositoryOf,
  valuesOf,
  scorerOf,
} from './support/fakes.js';

const settings = readSettings({});

/** Decoded requests straight into the stages below the scorer's decoding, with the runs they cost. */
function pipeline(cache: RowCache) {
  const { cached, runner } = inferencePipeline(settings, cache);
  return {
    infer: cached.infer.bind(cached),
    get runs() {
      return runner.runs;
    },
  };
}

describe('Inference pipeline cache-aside', () => {
  it('misses, then hits, then reports a partial batch and infers only the new rows', async () => {
    const cache = new MapCache();
    const { version, calls } = fakeModel();
    const s = pipeline(cache);
    const first = await s.infer(batch(version, [[1, 2]]));
    expect(first.cache).toBe('miss');
    expect(first.rows).toBe(1);
    expect(valuesOf(first.outputs[0])).toEqual([3, -3]);
    await new Promise((r) => setImmediate(r));
    const hit = await s.infer(batch(version, [[1, 2]]));
    expect(hit.cache).toBe('hit');
    expect(valuesOf(hit.outputs[0])).toEqual([3, -3]);
    const partial = await s.infer(
      batch(version, [
        [1, 2],
        [5, 5],
        [0, 1],
      ]),
    );
    expect(partial.cache).toBe('partial');
    expect(partial.outputs[0].shape).toEqual([3, 2]);
    expect(valuesOf(partial.outputs[0])).toEqual([3, -3, 10, -10, 1, -1]);
    expect(calls).toEqual([1, 2]);
    expect(s.runs).toBe(2);
  });

  it('caches each row as the bytes of its outputs', async () => {
    const cache = new MapCache();
    const { version } = fakeModel();
    const s = pipeline(cache);
    await s.infer(batch(version, [[1, 2]]));
    await new Promise((r) => setImmediate(r));
    const [value] = [...cache.map.values()];
    expect(value).toEqual(new Uint8Array(new Float32Array([3, -3]).buffer));
  });

  it('runs a row repeated within one batch once', async () => {
    const { version, calls } = fakeModel();
    const s = pipeline(new MapCache());
    const r = await s.infer(
      batch(version, [
        [1, 1],
        [1, 1],
        [1, 1],
      ]),
    );
    expect(valuesOf(r.outputs[0])).toEqual([2, -2, 2, -2, 2, -2]);
    expect(calls).toEqual([1]);
  });

  it('shares one inference among concurrent identical misses (single flight)', async () => {
    const { version, calls } = fakeModel({ delayMs: 20 });
    const s = pipeline(new MapCache());
    const results = await Promise.all(Array.from({ length: 25 }, () => s.infer(batch(version, [[4, 4]]))));
    expect(results.every((r) => r.outputs[0].data[0] === 8)).toBe(true);
    expect(calls).toEqual([1]);
  });

  it('keeps scoring, reporting bypass, when the cache is down', async () => {
    const cache = new MapCache();
    cache.down = true;
    const { version } = fakeModel();
    const s = pipeline(cache);
    const r = await s.infer(batch(version, [[1, 2]]));
    expect(r.cache).toBe('bypass');
    expect(r.outputs[0].data[0]).toBe(3);
  });

  it('bypasses the cache when asked', async () => {
    const cache = new MapCache();
    const { version } = fakeModel();
    const s = pipeline(cache);
    expect((await s.infer(batch(version, [[1, 2]]), { bypassCache: true })).cache).toBe('bypass');
    expect(cache.gets).toBe(0);
  });

  it('keeps versions apart: the same row under another model sha is a miss', async () => {
    const cache = new MapCache();
    const a = fakeModel();
    const b = fakeModel();
    b.version.sha256 = 'ffffff0123456789';
    const s = pipeline(cache);
    await s.infer(batch(a.version, [[1, 2]]));
    await new Promise((r) => setImmediate(r));
    expect((await s.infer(batch(b.version, [[1, 2]]))).cache).toBe('miss');
  });

  it('refuses non-finite input before touching the cache, naming the row and value', async () => {
    const cache = new MapCache();
    const { version } = fakeModel();
    const s = pipeline(cache);
    await expect(s.infer(batch(version, [[1, Infinity]]))).rejects.toMatchObject({
      code: 'NON_FINITE_VALUE',
      status: 400,
    });
    await expect(
      s.infer(
        batch(version, [
          [1, 2],
          [NaN, 4],
        ]),
      ),
    ).rejects.toThrow(/row 1 value 0 is NaN/);
    expect(cache.gets).toBe(0);
  });

  it('refuses a JSON number beyond float32 range as Infinity', async () => {
    const cache = new MapCache();
    const { version } = fakeModel();
    const s = scorerOf(settings, repositoryOf({ version }), cache);
    const body = Buffer.from('{"data": [[1e39, 0]]}');
    await expect(s.infer({ body, contentType: 'application/json' })).rejects.toThrow(/Infinity/);
    expect(cache.gets).toBe(0);
  });

  it('turns a model failure into a transient INFERENCE_FAILED and forgets the flight', async () => {
    const failing = fakeModel({ fail: true });
    const s = pipeline(new MapCache());
    await expect(s.infer(batch(failing.version, [[1, 2]]))).rejects.toMatchObject({
      code: 'INFERENCE_FAILED',
      permanent: false,
    });
    await expect(s.infer(batch(failing.version, [[1, 2]]))).rejects.toMatchObject({
      code: 'INFERENCE_FAILED',
    });
    expect(failing.calls).toEqual([1, 1]);
  });

  it('coalesces concurrent requests into one run with dynamic batching', async () => {
    const { version, calls } = fakeModel({ delayMs: 5, batching: 2000 });
    const s = pipeline(new MapCache());
    const rs = await Promise.all(Array.from({ length: 10 }, (_, i) => s.infer(batch(version, [[i, 0]]))));
    rs.forEach((r, i) => expect(r.outputs[0].data[0]).toBe(i));
    expect(calls.reduce((a, b) => a + b, 0)).toBe(10);
    expect(calls.length).toBeLessThan(10);
  });
});
