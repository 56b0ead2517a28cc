import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '@redis/client';
import { RedisRowCache } from '../../../src/cache/backends/redis-cache.js';
import { encodeRow } from '../../../src/cache/rows/row-codec.js';
import { f32Bytes, floatsOf } from '../../support/fakes.js';
import { freePort, RedisServer, startRedisServer } from '../../support/redis-server.js';

const settings = (redisUrl: string) => ({
  redisUrl,
  redisUsername: undefined,
  redisPassword: undefined,
  redisCluster: false,
});

/** A cached row: ten float32 outputs as their 40 little-endian bytes. */
const floats = (seed: number) => Array.from({ length: 10 }, (_, i) => Math.fround(seed + i / 10));
const row = (seed: number) => f32Bytes(...floats(seed));
const key = (name: string) => `modelfn:test:1:abcdef012345:${name}`;

describe('RedisRowCache against redis-server', () => {
  let server: RedisServer;
  let cache: RedisRowCache;
  let inspect: ReturnType<typeof createClient>;

  async function commandCalls(name: string): Promise<number> {
    const info = await inspect.info('commandstats');
    const match = new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(info);
    return match ? Number(match[1]) : 0;
  }

  beforeAll(async () => {
    server = await startRedisServer();
    // A generous timeout: these tests are about behaviour, the fault tests about speed.
    cache = RedisRowCache.connect(settings(server.url), { ttlSeconds: 120, timeoutMs: 1000 });
    inspect = createClient({ url: server.url });
    inspect.on('error', () => {});
    await inspect.connect();
    expect(await cache.whenReady(5000)).toBe(true);
  });

  afterAll(async () => {
    await cache?.close();
    if (inspect?.isOpen) inspect.destroy();
    await server?.dispose();
  });

  it('round-trips rows with one pipeline and one MGET, with the TTL set', async () => {
    expect(cache.kind).toBe('redis');
    expect(cache.mode).toBe('standalone');
    const entries = [1, 2, 3].map((i) => ({ key: key(`rt${i}`), value: row(i) }));
    await inspect.configResetStat();
    await cache.setMany(entries);
    expect(await commandCalls('set')).toBe(3);

    await inspect.configResetStat();
    const lookup = await cache.getMany([
      key('rt1'),
      key('missing-1'),
      key('rt3'),
      key('missing-2'),
      key('rt2'),
    ]);
    expect(await commandCalls('mget')).toBe(1);
    expect(await commandCalls('get')).toBe(0);
    expect(lookup.available).toBe(true);
    expect(lookup.values.map((v) => (v ? floatsOf(v) : undefined))).toEqual([
      floats(1),
      undefined,
      floats(3),
      undefined,
      floats(2),
    ]);

    const ttl = await inspect.ttl(key('rt1'));
    expect(ttl).toBeGreaterThan(115);
    expect(ttl).toBeLessThanOrEqual(120);
    // Stored as the row's bytes (little-endian float32 here), nothing else.
    const stored = await inspect.withTypeMapping({ 36: Buffer }).get(key('rt2'));
    expect(Buffer.compare(stored as Buffer, encodeRow(row(2)))).toBe(0);
    expect(Buffer.compare(stored as Buffer, Buffer.from(row(2)))).toBe(0);
  });

  it('values of the wrong size are misses', async () => {
    await inspect.set(key('odd'), Buffer.alloc(7));
    await inspect.set(key('empty'), '');
    await inspect.set(key('three'), encodeRow(f32Bytes(1, 2, 3)));
    const lookup = await cache.getMany([key('odd'), key('empty'), key('three')], 40);
    expect(lookup).toEqual({ values: [undefined, undefined, undefined], available: true });
    const unchecked = await cache.getMany([key('three'), key('empty')]);
    expect(floatsOf(unchecked.values[0] ?? new Uint8Array())).toEqual([1, 2, 3]);
    expect(unchecked.values[1]).toBeUndefined();
  });

  it('an empty batch costs no round trip', async () => {
    await inspect.configResetStat();
    expect(await cache.getMany([])).toEqual({ values: [], available: true });
    await cache.setMany([]);
    expect(await commandCalls('mget')).toBe(0);
  });

  it('getRaw returns the bytes a user stored, or undefined', async () => {
    const bytes = Buffer.from([0, 255, 1, 254, 0x80]);
    await inspect.set('user:image:42', bytes);
    const raw = await cache.getRaw('user:image:42');
    expect(Buffer.isBuffer(raw)).toBe(true);
    expect(raw && Buffer.compare(raw, bytes)).toBe(0);
    expect(await cache.getRaw('user:absent')).toBeUndefined();
  });

  it('an evicted key is a plain miss', async () => {
    await cache.setMany([{ key: key('gone'), value: row(9) }]);
    await inspect.del(key('gone'));
    expect((await cache.getMany([key('gone')])).values).toEqual([undefined]);
  });
});

describe('RedisRowCache startup without Redis', () => {
  it('returns at once, answers unavailable, and connects by itself once Redis starts', async () => {
    const port = await freePort();
    const errors: string[] = [];
    // A command timeout longer than the test's own (30 s): the calls below can only settle in time if
    // they are refused at once while Redis is down, not left to time out. (connect is synchronous: it
    // returns the cache without waiting for the connection.)
    const cache = RedisRowCache.connect(settings(`redis://127.0.0.1:${port}`), {
      timeoutMs: 60_000,
      onError: (_err, operation) => errors.push(operation),
    });
    expect(cache.isReady).toBe(false);
    const server = new RedisServer(port);
    try {
      expect((await cache.getMany([key('a')])).available).toBe(false);
      await cache.setMany([{ key: key('a'), value: row(1) }]);
      await expect(cache.getRaw('x')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      expect(cache.isReady).toBe(false);
      expect(await cache.whenReady(100)).toBe(false);
      expect(errors).toContain('connection');

      await server.start();
      expect(await cache.whenReady(5000)).toBe(true);
      // The breaker may have opened on the failed calls above; wait for its probe to close it.
      const deadline = Date.now() + 5000;
      while (!(await cache.getMany([key('a')])).available && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await cache.setMany([{ key: key('a'), value: row(1) }]);
      expect(floatsOf((await cache.getMany([key('a')])).values[0] ?? new Uint8Array())).toEqual(floats(1));
    } finally {
      await cache.close();
      await server.dispose();
    }
  });

  it('close() while still connecting stops the reconnect loop', async () => {
    const port = await freePort();
    const cache = RedisRowCache.connect(settings(`redis://127.0.0.1:${port}`));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await cache.close();
    expect(cache.isReady).toBe(false);
    expect(await cache.whenReady(10)).toBe(false);
  });
});
