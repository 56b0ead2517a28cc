import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisRowCache } from '../../../src/cache/backends/redis-cache.js';
import { metrics } from '../../../src/metrics.js';
import { f32Bytes, floatsOf } from '../../support/fakes.js';
import { RedisServer, startRedisServer } from '../../support/redis-server.js';

const TIMEOUT_MS = 50;
/** Scheduling noise allowed on top of the timeout before a call counts as "slow". */
const MARGIN_MS = 60;

/** A cached row: ten float32 outputs, 40 bytes. */
const row = (seed: number) => f32Bytes(...Array.from({ length: 10 }, (_, i) => seed * 100 + i));
const key = (i: number) => `modelfn:fault:1:abcdef012345:${i}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function errorCount(): Promise<number> {
  return (await metrics.cacheErrors.get()).values
    .filter((v) => v.labels.operation === 'get' || v.labels.operation === 'set')
    .reduce((sum, v) => sum + v.value, 0);
}

async function breakerGauge(): Promise<number | undefined> {
  return (await metrics.cacheBreakerOpen.get()).values[0]?.value;
}

/** Runs getMany + setMany for `durationMs`, returning the slowest single call and every lookup. */
async function hammer(cache: RedisRowCache, durationMs: number) {
  const end = performance.now() + durationMs;
  let slowest = 0;
  const available: boolean[] = [];
  for (let i = 0; performance.now() < end; i++) {
    let t = performance.now();
    const lookup = await cache.getMany([key(i % 5), key(1000 + i)]);
    slowest = Math.max(slowest, performance.now() - t);
    available.push(lookup.available);
    t = performance.now();
    await cache.setMany([{ key: key(1000 + i), value: row(i) }]);
    slowest = Math.max(slowest, performance.now() - t);
    await sleep(5);
  }
  return { slowest, available };
}

/** Polls until a lookup is answered again; returns how long that took. */
async function waitUntilUsed(cache: RedisRowCache, limitMs: number): Promise<number> {
  const start = performance.now();
  while (performance.now() - start < limitMs) {
    if ((await cache.getMany([key(0)])).available) return performance.now() - start;
    await sleep(20);
  }
  throw new Error(`cache not used again within ${limitMs} ms`);
}

describe('RedisRowCache when Redis fails', () => {
  let server: RedisServer;
  let cache: RedisRowCache;

  beforeAll(async () => {
    server = await startRedisServer();
    cache = RedisRowCache.connect(
      { redisUrl: server.url, redisUsername: undefined, redisPassword: undefined, redisCluster: false },
      { ttlSeconds: 60, timeoutMs: TIMEOUT_MS },
    );
    expect(await cache.whenReady(5000)).toBe(true);
  });

  afterAll(async () => {
    await cache?.close();
    await server?.dispose();
  });

  it('keeps answering fast while Redis is killed, opens the breaker, and recovers after restart', async () => {
    await cache.setMany([0, 1, 2, 3, 4].map((i) => ({ key: key(i), value: row(i) })));
    expect((await cache.getMany([key(0)])).available).toBe(true);
    expect(cache.breaker.state).toBe('closed');
    const errorsBefore = await errorCount();

    await server.stop();
    const down = await hammer(cache, 1500);
    expect(down.slowest).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
    expect(down.available.every((a) => !a)).toBe(true);
    expect(cache.breaker.state).not.toBe('closed');
    expect(await breakerGauge()).toBe(1);
    expect(await errorCount()).toBeGreaterThan(errorsBefore);

    await server.start(); // same port, empty (no persistence)
    const recoveredIn = await waitUntilUsed(cache, 8000);
    // Reconnect backoff (≤ 2 s) then the breaker's cool-down (2 s) bound the outage seen by requests.
    expect(recoveredIn).toBeLessThan(5000);
    expect(cache.breaker.state).toBe('closed');
    expect(await breakerGauge()).toBe(0);

    await cache.setMany([{ key: key(7), value: row(7) }]);
    const lookup = await cache.getMany([key(7), key(0)]);
    expect(lookup.available).toBe(true);
    expect(Array.from(lookup.values[0] ?? [])).toEqual(Array.from(row(7)));
    expect(floatsOf(lookup.values[0]!)[0]).toBe(700);
    expect(lookup.values[1]).toBeUndefined(); // written before the crash, lost with it
  });

  it('times out instead of waiting on a Redis that stopped answering, then recovers', async () => {
    await waitUntilUsed(cache, 5000);
    server.pause();
    try {
      const stalled = await hammer(cache, 800);
      expect(stalled.slowest).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
      expect(stalled.available.every((a) => !a)).toBe(true);
      expect(cache.breaker.state).not.toBe('closed');
    } finally {
      server.resume();
    }
    const recoveredIn = await waitUntilUsed(cache, 5000);
    expect(recoveredIn).toBeLessThan(3000);
    await cache.setMany([{ key: key(8), value: row(8) }]);
    expect(floatsOf((await cache.getMany([key(8)])).values[0] ?? new Uint8Array())[0]).toBe(800);
  });
});
