import { describe, expect, it } from 'vitest';
import { createRowCache, DEFAULT_MEMORY_CACHE_BYTES } from '../../../src/cache/backends/create-row-cache.js';
import { MemoryLruCache } from '../../../src/cache/backends/memory-lru.js';
import { OffCache } from '../../../src/cache/backends/off-cache.js';
import { RedisRowCache } from '../../../src/cache/backends/redis-cache.js';
import type { CacheLookup } from '../../../src/cache/backends/row-cache.js';
import { TieredCache, type L2Cache } from '../../../src/cache/backends/tiered-cache.js';

/** An L2 that records what it was asked and can be switched "down". */
class FakeL2 implements L2Cache {
  readonly kind = 'redis' as const;
  readonly store = new Map<string, Uint8Array>();
  readonly asked: string[][] = [];
  readonly written: string[][] = [];
  up = true;

  async getMany(keys: string[]): Promise<CacheLookup> {
    this.asked.push(keys);
    if (!this.up) return { values: keys.map(() => undefined), available: false };
    return { values: keys.map((k) => this.store.get(k)), available: true };
  }

  async setMany(entries: { key: string; value: Uint8Array }[]): Promise<void> {
    this.written.push(entries.map((e) => e.key));
    if (this.up) for (const { key, value } of entries) this.store.set(key, value);
  }

  async getRaw(key: string): Promise<Buffer | undefined> {
    return key === 'raw' ? Buffer.from('bytes') : undefined;
  }

  async close(): Promise<void> {}
}

const row = (v: number) => Uint8Array.of(v, v);

function setup() {
  const l1 = new MemoryLruCache({ maxBytes: 1 << 20, ttlSeconds: 60 });
  const l2 = new FakeL2();
  return { l1, l2, cache: new TieredCache(l1, l2) };
}

describe('TieredCache', () => {
  it('asks L2 only for L1 misses and fills L1 from L2 hits', async () => {
    const { l1, l2, cache } = setup();
    expect(cache.kind).toBe('redis');
    l1.set('a', row(1));
    l2.store.set('b', row(2));
    const lookup = await cache.getMany(['a', 'b', 'c']);
    expect(lookup.available).toBe(true);
    expect(lookup.values.map((v) => v?.[0])).toEqual([1, 2, undefined]);
    expect(l2.asked).toEqual([['b', 'c']]);
    expect(l1.get('b')?.[0]).toBe(2);

    await cache.getMany(['a', 'b']);
    expect(l2.asked).toHaveLength(1); // all from L1
  });

  it('writes to L2 only; a row enters L1 when it is read back', async () => {
    const { l1, l2, cache } = setup();
    await cache.setMany([{ key: 'x', value: row(5) }]);
    expect(l2.store.get('x')?.[0]).toBe(5);
    expect(l1.get('x')).toBeUndefined();
    expect((await cache.getMany(['x'])).values[0]?.[0]).toBe(5);
    expect(l1.get('x')?.[0]).toBe(5);
    await cache.getMany(['x']);
    expect(l2.asked).toHaveLength(1);
  });

  it('with L2 down: L1 hits still count, all-miss is unavailable', async () => {
    const { l1, l2, cache } = setup();
    l2.up = false;
    l1.set('a', row(1));
    const partial = await cache.getMany(['a', 'b']);
    expect(partial).toMatchObject({ available: true });
    expect(partial.values[0]?.[0]).toBe(1);
    const none = await cache.getMany(['b']);
    expect(none.available).toBe(false);
  });

  it('getRaw goes to L2 and is never kept in L1', async () => {
    const { l1, cache } = setup();
    expect((await cache.getRaw('raw'))?.toString()).toBe('bytes');
    expect(l1.size).toBe(0);
  });
});

describe('OffCache', () => {
  it('is always unavailable', async () => {
    const cache = new OffCache();
    expect(cache.kind).toBe('off');
    expect(await cache.getMany(['a', 'b'])).toEqual({ values: [undefined, undefined], available: false });
    await cache.setMany();
    await cache.close();
  });
});

describe('createRowCache', () => {
  const settings = {
    cacheMode: 'memory' as const,
    redisUrl: undefined,
    redisUsername: undefined,
    redisPassword: undefined,
    redisCluster: false,
    cacheTtlSeconds: 60,
    cacheL1Bytes: 0,
    cacheTimeoutMs: 50,
  };

  it('off', async () => {
    expect(await createRowCache({ ...settings, cacheMode: 'off' })).toBeInstanceOf(OffCache);
  });

  it('memory: CACHE_L1_BYTES or 64 MiB', async () => {
    const byDefault = await createRowCache(settings);
    expect(byDefault).toBeInstanceOf(MemoryLruCache);
    expect((byDefault as MemoryLruCache).maxBytes).toBe(DEFAULT_MEMORY_CACHE_BYTES);
    const sized = await createRowCache({ ...settings, cacheL1Bytes: 1000 });
    expect((sized as MemoryLruCache).maxBytes).toBe(1000);
  });

  it('redis requires a URL', async () => {
    await expect(createRowCache({ ...settings, cacheMode: 'redis' })).rejects.toThrow(/REDIS_URL/);
  });

  it('redis resolves at once even with nothing listening, with an L1 when CACHE_L1_BYTES > 0', async () => {
    const redisSettings = { ...settings, cacheMode: 'redis' as const, redisUrl: 'redis://127.0.0.1:1' };
    // Nothing ever listens on port 1: these settle only because creating the cache does not wait to connect.
    const plain = await createRowCache(redisSettings);
    const tiered = await createRowCache({ ...redisSettings, cacheL1Bytes: 4096 });
    expect(plain).toBeInstanceOf(RedisRowCache);
    expect(tiered).toBeInstanceOf(TieredCache);
    expect((tiered as TieredCache).l1.maxBytes).toBe(4096);
    expect(tiered.kind).toBe('redis');
    expect((await plain.getMany(['k'])).available).toBe(false);
    await Promise.all([plain.close(), tiered.close()]);
  });
});
