import { describe, expect, it } from 'vitest';
import { MemoryLruCache, entryBytes } from '../../../src/cache/backends/memory-lru.js';

/** Cached values are bytes (a row's outputs as the model gave them). */
const row = (...values: number[]) => Uint8Array.from(values);
const keyOf = (i: number) => `modelfn:m:1:abc:${String(i).padStart(4, '0')}`;

describe('MemoryLruCache', () => {
  it('round-trips rows and reports misses', async () => {
    const cache = new MemoryLruCache({ maxBytes: 1 << 20, ttlSeconds: 60 });
    expect(cache.kind).toBe('memory');
    await cache.setMany([{ key: 'a', value: row(1, 2, 3) }]);
    const lookup = await cache.getMany(['a', 'b']);
    expect(lookup.available).toBe(true);
    expect(Array.from(lookup.values[0] ?? [])).toEqual([1, 2, 3]);
    expect(lookup.values[1]).toBeUndefined();
  });

  it('copies rows in and out', async () => {
    const cache = new MemoryLruCache({ maxBytes: 1 << 20, ttlSeconds: 60 });
    const value = row(1, 2);
    cache.set('a', value);
    value[0] = 99;
    const out = cache.get('a');
    expect(out?.[0]).toBe(1);
    if (out) out[1] = 99;
    expect(cache.get('a')?.[1]).toBe(2);
  });

  it('stays within its byte bound', () => {
    const per = entryBytes(keyOf(0), new Uint8Array(40));
    const cache = new MemoryLruCache({ maxBytes: per * 10 + per / 2, ttlSeconds: 60 });
    for (let i = 0; i < 100; i++) {
      cache.set(keyOf(i), new Uint8Array(40).fill(i));
      expect(cache.bytes).toBeLessThanOrEqual(cache.maxBytes);
    }
    expect(cache.size).toBe(10);
    expect(cache.bytes).toBe(per * 10);
    // The last ten written survive.
    expect(cache.get(keyOf(89))).toBeUndefined();
    expect(cache.get(keyOf(90))?.[0]).toBe(90);
  });

  it('evicts the least recently used, where reads count as use', () => {
    const per = entryBytes(keyOf(0), new Uint8Array(40));
    const cache = new MemoryLruCache({ maxBytes: per * 3, ttlSeconds: 60 });
    cache.set(keyOf(1), new Uint8Array(40));
    cache.set(keyOf(2), new Uint8Array(40));
    cache.set(keyOf(3), new Uint8Array(40));
    cache.get(keyOf(1)); // 2 is now the least recently used
    cache.set(keyOf(4), new Uint8Array(40));
    expect(cache.has(keyOf(2))).toBe(false);
    expect([1, 3, 4].every((i) => cache.has(keyOf(i)))).toBe(true);
    cache.set(keyOf(5), new Uint8Array(40)); // then 3
    expect(cache.has(keyOf(3))).toBe(false);
  });

  it('accounts for overwrites and skips entries bigger than the whole budget', () => {
    const cache = new MemoryLruCache({ maxBytes: 1000, ttlSeconds: 60 });
    cache.set('a', new Uint8Array(40));
    const before = cache.bytes;
    cache.set('a', new Uint8Array(40));
    expect(cache.bytes).toBe(before);
    cache.set('big', new Uint8Array(4000));
    expect(cache.has('big')).toBe(false);
    expect(cache.has('a')).toBe(true);
  });

  it('honours the TTL', () => {
    let now = 0;
    const cache = new MemoryLruCache({ maxBytes: 1 << 20, ttlSeconds: 10, now: () => now });
    cache.set('a', row(1));
    now = 9_999;
    expect(cache.get('a')?.[0]).toBe(1);
    now = 10_000;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
    expect(cache.bytes).toBe(0);
  });

  it('a hit does not extend the TTL (same as Redis GET)', () => {
    let now = 0;
    const cache = new MemoryLruCache({ maxBytes: 1 << 20, ttlSeconds: 10, now: () => now });
    cache.set('a', row(1));
    now = 9_000;
    cache.get('a');
    now = 10_500;
    expect(cache.get('a')).toBeUndefined();
  });

  it('treats values of another byte length as misses when asked to', async () => {
    const cache = new MemoryLruCache({ maxBytes: 1 << 20, ttlSeconds: 10 });
    cache.set('a', row(1, 2, 3));
    expect((await cache.getMany(['a'], 40)).values[0]).toBeUndefined();
    expect((await cache.getMany(['a'], 3)).values[0]).toBeDefined();
    expect(cache.get('a', 4)).toBeUndefined();
    expect(Array.from(cache.get('a', 3) ?? [])).toEqual([1, 2, 3]);
  });
});
