import { describe, expect, it, vi } from 'vitest';
import { MemoryLruCache } from '../../src/cache/backends/memory-lru.js';
import type { CacheLookup } from '../../src/cache/backends/row-cache.js';
import { TieredCache, type L2Cache } from '../../src/cache/backends/tiered-cache.js';
import { readSettings } from '../../src/settings.js';
import { fakeModel, MapCache, repositoryOf as repoOf, valuesOf, scorerOf } from '../support/fakes.js';

const settings = readSettings({});
const json = (o: unknown) => ({ body: Buffer.from(JSON.stringify(o)), contentType: 'application/json' });
const lru = () => new MemoryLruCache({ maxBytes: 1 << 20, ttlSeconds: 60 });

/** An L2 whose data_key values the test can change. */
class RawL2 implements L2Cache {
  readonly kind = 'redis' as const;
  raw = new Map<string, string>();
  async getMany(keys: string[]): Promise<CacheLookup> {
    return { values: keys.map(() => undefined), available: true };
  }
  async setMany(): Promise<void> {}
  async getRaw(key: string): Promise<Buffer | undefined> {
    const v = this.raw.get(key);
    return v === undefined ? undefined : Buffer.from(v);
  }
  async close(): Promise<void> {}
}

describe('body memo (in-process LRU in front of parsing)', () => {
  it('takes a +json media type as JSON: decoded by the JSON codec, then answered from the memo', async () => {
    const { version, calls } = fakeModel();
    const s = scorerOf(settings, repoOf({ version }), lru());
    const body = {
      ...json({ data: [[1, 2]], note: 'x' }),
      contentType: 'application/vnd.acme.rows+json; charset=utf-8',
    };
    expect((await s.infer(body)).cache).toBe('miss');
    expect((await s.infer(body)).cache).toBe('hit');
    const parse = vi.spyOn(JSON, 'parse');
    const again = await s.infer(body);
    expect(parse).not.toHaveBeenCalled();
    parse.mockRestore();
    expect(again.cache).toBe('hit');
    expect(valuesOf(again.outputs[0])).toEqual([3, -3]);
    expect(calls).toEqual([1]);
  });

  it('answers a body seen before from its hash, without parsing or inferring it again', async () => {
    const { version, calls } = fakeModel();
    const cache = lru();
    const s = scorerOf(settings, repoOf({ version }), cache);
    // An extra key keeps the body off the fast row parser, so JSON.parse shows when it is parsed.
    const body = json({
      data: [
        [1, 2],
        [3, 4],
      ],
      note: 'x',
    });
    expect((await s.infer(body)).cache).toBe('miss');
    // A first sighting is not kept (its rows are); the second, answered from the row cache, is.
    expect(cache.size).toBe(2);
    expect((await s.infer(body)).cache).toBe('hit');
    expect(cache.size).toBe(3);
    const again = await s.infer(body);
    expect(again.cache).toBe('hit');
    expect(again.rows).toBe(2);
    expect(again.outputs[0].shape).toEqual([2, 2]);
    expect(valuesOf(again.outputs[0])).toEqual([3, -3, 7, -7]);
    expect(calls).toEqual([2]);
    const parse = vi.spyOn(JSON, 'parse');
    await s.infer(body);
    expect(parse).not.toHaveBeenCalled();
    parse.mockRestore();
    // Another body with a known row still goes through the per-row cache.
    expect(
      (
        await s.infer(
          json({
            data: [
              [1, 2],
              [9, 9],
            ],
          }),
        )
      ).cache,
    ).toBe('partial');
  });

  it('is there for any backend that holds an in-process store, whatever its class', async () => {
    const { version } = fakeModel();
    const local = lru();
    /** A backend of its own that keeps an LRU in this process beside its map. */
    class WithLocalStore extends MapCache {
      readonly inProcess = local;
    }
    const s = scorerOf(settings, repoOf({ version }), new WithLocalStore());
    const body = json({ data: [[1, 2]], note: 'x' });
    await s.infer(body);
    expect((await s.infer(body)).cache).toBe('hit');
    expect(local.size).toBe(1);
    const parse = vi.spyOn(JSON, 'parse');
    expect((await s.infer(body)).cache).toBe('hit');
    expect(parse).not.toHaveBeenCalled();
    parse.mockRestore();
  });

  it('never answers for another model version', async () => {
    const current = { version: fakeModel().version };
    const s = scorerOf(settings, repoOf(current), lru());
    await s.infer(json({ data: [[1, 2]] }));
    expect((await s.infer(json({ data: [[1, 2]] }))).cache).toBe('hit');
    const retrained = fakeModel();
    current.version = { ...retrained.version, version: '2' };
    expect((await s.infer(json({ data: [[1, 2]] }))).cache).toBe('miss');
    current.version = { ...retrained.version, sha256: 'ffffffffffffffff' };
    expect((await s.infer(json({ data: [[1, 2]] }))).cache).toBe('miss');
  });

  it('does not keep bodies that name a data_key, whose value can change', async () => {
    const { version } = fakeModel();
    const l2 = new RawL2();
    const s = scorerOf(settings, repoOf({ version }), new TieredCache(lru(), l2));
    l2.raw.set('k', JSON.stringify([[1, 1]]));
    expect(valuesOf((await s.infer(json({ data_key: 'k' }))).outputs[0])).toEqual([2, -2]);
    l2.raw.set('k', JSON.stringify([[5, 5]]));
    expect(valuesOf((await s.infer(json({ data_key: 'k' }))).outputs[0])).toEqual([10, -10]);
  });

  it('is skipped with Cache-Control: no-cache, and without an in-process LRU', async () => {
    const { version, calls } = fakeModel();
    const s = scorerOf(settings, repoOf({ version }), lru());
    await s.infer(json({ data: [[1, 2]] }));
    expect((await s.infer({ ...json({ data: [[1, 2]] }), bypassCache: true })).cache).toBe('bypass');
    const plain = scorerOf(settings, repoOf({ version }), new MapCache());
    await plain.infer(json({ data: [[1, 2]] }));
    await new Promise((r) => setImmediate(r));
    expect((await plain.infer(json({ data: [[1, 2]] }))).cache).toBe('hit');
    expect(calls).toEqual([1, 1, 1]);
  });
});
