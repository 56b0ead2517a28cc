import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCluster } from '@redis/client';
import { RedisRowCache } from '../../../src/cache/backends/redis-cache.js';
import { f32Bytes, floatsOf } from '../../support/fakes.js';
import { rawCommand, startRedisCluster, type RedisClusterHandle } from '../../support/redis-server.js';

/** A cached row: ten float32 outputs, 40 bytes. */
const row = (seed: number) => f32Bytes(...Array.from({ length: 10 }, (_, i) => seed + i));
const key = (i: number) => `modelfn:cluster:1:abcdef012345:${i}`;

describe('RedisRowCache in cluster mode (3 masters)', () => {
  let cluster: RedisClusterHandle;
  let cache: RedisRowCache;

  beforeAll(async () => {
    cluster = await startRedisCluster(3);
    cache = RedisRowCache.connect(
      { redisUrl: cluster.url, redisUsername: undefined, redisPassword: undefined, redisCluster: true },
      { ttlSeconds: 90, timeoutMs: 1000 },
    );
    expect(await cache.whenReady(10_000)).toBe(true);
  });

  afterAll(async () => {
    await cache?.close();
    await cluster?.stop();
  });

  it('reads and writes keys spread over every node (no CROSSSLOT)', async () => {
    expect(cache.mode).toBe('cluster');
    const entries = Array.from({ length: 30 }, (_, i) => ({ key: key(i), value: row(i) }));
    await cache.setMany(entries);

    const sizes = await Promise.all(cluster.nodes.map((n) => rawCommand(n.port, 'DBSIZE')));
    const perNode = sizes.map((reply) => Number(/^:(\d+)/.exec(reply)?.[1] ?? 0));
    expect(perNode.reduce((a, b) => a + b, 0)).toBe(30);
    expect(perNode.every((n) => n > 0)).toBe(true);

    const keys = [key(0), key(100), key(17), key(29), key(101)];
    const lookup = await cache.getMany(keys, 40);
    expect(lookup.available).toBe(true);
    expect(lookup.values.map((v) => (v ? floatsOf(v)[0] : undefined))).toEqual([
      0,
      undefined,
      17,
      29,
      undefined,
    ]);
  });

  it('sets the TTL and reads raw values in the right slot', async () => {
    const inspect = createCluster({ rootNodes: [{ url: cluster.url }] });
    inspect.on('error', () => {});
    await inspect.connect();
    try {
      await cache.setMany([{ key: key(200), value: row(200) }]);
      const ttl = await inspect.ttl(key(200));
      expect(ttl).toBeGreaterThan(85);
      expect(ttl).toBeLessThanOrEqual(90);
      await inspect.set('user:blob:{7}', Buffer.from([1, 2, 3]));
      expect(Array.from((await cache.getRaw('user:blob:{7}')) ?? [])).toEqual([1, 2, 3]);
    } finally {
      inspect.destroy();
    }
  });
});
