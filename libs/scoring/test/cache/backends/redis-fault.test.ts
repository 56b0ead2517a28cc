import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../../src/cache/backends/circuit-breaker.js';
import { RedisRowCache, type CacheOperation } from '../../../src/cache/backends/redis-cache.js';
import { TimeoutError } from '../../../src/cache/backends/with-timeout.js';
import { metrics } from '../../../src/metrics.js';
import { f32Bytes, floatsOf } from '../../support/fakes.js';
import { RedisServer, startRedisServer } from '../../support/redis-server.js';

// Nothing here is measured against the wall clock, so a loaded machine (CI shares its cores) cannot flip
// it. The exact bound (a call settles at its timeout plus a poll phase) is with-timeout.test.ts's, on fake
// timers; the breaker's cool-down is circuit-breaker.test.ts's, and the reconnect backoff
// redis-options.test.ts's. Here, against a real redis-server, the calls must settle while Redis is still
// down or stalled, as the outcomes those units promise.
const TIMEOUT_MS = 50;
const FAILURES_TO_OPEN = 5;
const COOL_DOWN_MS = 2000;
/**
 * How long Redis stays stalled at most while the calls are made. Every call must settle before then: one
 * that waited for Redis rather than for its 50 ms timeout would wait the whole 20 s (Redis does not answer
 * before), while no scheduling delay of a loaded machine comes near it.
 */
const OUTAGE_MS = 20_000;

/** A cached row: ten float32 outputs, 40 bytes. */
const row = (seed: number) => f32Bytes(...Array.from({ length: 10 }, (_, i) => seed * 100 + i));
const key = (i: number) => `modelfn:fault:1:abcdef012345:${i}`;

async function errorCount(): Promise<number> {
  return (await metrics.cacheErrors.get()).values
    .filter((v) => v.labels.operation === 'get' || v.labels.operation === 'set')
    .reduce((sum, v) => sum + v.value, 0);
}

async function breakerGauge(): Promise<number | undefined> {
  return (await metrics.cacheBreakerOpen.get()).values[0]?.value;
}

/** `work`, or a rejection saying `what` if it has not settled after OUTAGE_MS. */
async function settlesDuringOutage<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const outageOver = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} still waiting after ${OUTAGE_MS} ms`)), OUTAGE_MS);
  });
  try {
    return await Promise.race([work, outageOver]);
  } finally {
    clearTimeout(timer);
  }
}

/** `rounds` of getMany + setMany one after another; whether each lookup was answered. */
async function hammer(cache: RedisRowCache, rounds: number): Promise<boolean[]> {
  const available: boolean[] = [];
  for (let i = 0; i < rounds; i++) {
    available.push((await cache.getMany([key(i % 5), key(1000 + i)])).available);
    await cache.setMany([{ key: key(1000 + i), value: row(i) }]);
  }
  return available;
}

describe('RedisRowCache when Redis fails', () => {
  let server: RedisServer;
  let cache: RedisRowCache;
  /** The breaker's clock: its cool-down passes when a test moves it, not with the machine's speed. */
  let clockMs = 0;
  const failures: { err: Error; operation: CacheOperation }[] = [];

  /**
   * Lets the cool-down pass and looks up until a probe is answered. Each probe has the real 50 ms budget,
   * which a Redis just back on a loaded machine may miss; a missed probe re-opens the breaker, so the clock
   * moves again before the next.
   */
  async function usedAgain(): Promise<boolean> {
    const end = Date.now() + OUTAGE_MS;
    while (Date.now() < end) {
      clockMs += COOL_DOWN_MS;
      expect(cache.breaker.state).not.toBe('open');
      if ((await cache.getMany([key(0)])).available) return true;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return false;
  }

  beforeAll(async () => {
    server = await startRedisServer();
    cache = RedisRowCache.connect(
      { redisUrl: server.url, redisUsername: undefined, redisPassword: undefined, redisCluster: false },
      {
        ttlSeconds: 60,
        timeoutMs: TIMEOUT_MS,
        breaker: new CircuitBreaker({
          failureThreshold: FAILURES_TO_OPEN,
          coolDownMs: COOL_DOWN_MS,
          now: () => clockMs,
        }),
        onError: (err, operation) => failures.push({ err, operation }),
      },
    );
    expect(await cache.whenReady(OUTAGE_MS)).toBe(true);
  }, 60_000);

  afterAll(async () => {
    await cache?.close();
    await server?.dispose();
  });

  it('answers every call while Redis is killed, skips it after five failures, and uses it again after a restart and the cool-down', async () => {
    await cache.setMany([0, 1, 2, 3, 4].map((i) => ({ key: key(i), value: row(i) })));
    expect((await cache.getMany([key(0)])).available).toBe(true);
    expect(cache.breaker.state).toBe('closed');
    const errorsBefore = await errorCount();

    await server.stop();
    // Nothing brings a killed Redis back: a call that waited for it would never settle.
    const down = await settlesDuringOutage(hammer(cache, 10), 'a cache call on a killed Redis was');
    expect(down.every((a) => !a)).toBe(true);
    // Five calls failed, which opened the breaker; the other fifteen did not go to Redis at all.
    expect(await errorCount()).toBe(errorsBefore + FAILURES_TO_OPEN);
    expect(cache.breaker.state).toBe('open');
    expect(await breakerGauge()).toBe(1);

    await server.start(); // same port, empty (no persistence)
    expect(await cache.whenReady(OUTAGE_MS)).toBe(true);
    // Connected again, but until the cool-down has passed lookups still skip Redis.
    expect((await cache.getMany([key(0)])).available).toBe(false);
    expect(await errorCount()).toBe(errorsBefore + FAILURES_TO_OPEN);
    expect(await usedAgain()).toBe(true);
    expect(cache.breaker.state).toBe('closed');
    expect(await breakerGauge()).toBe(0);

    await cache.setMany([{ key: key(7), value: row(7) }]);
    const lookup = await cache.getMany([key(7), key(0)]);
    expect(lookup.available).toBe(true);
    expect(Array.from(lookup.values[0] ?? [])).toEqual(Array.from(row(7)));
    expect(floatsOf(lookup.values[0]!)[0]).toBe(700);
    expect(lookup.values[1]).toBeUndefined(); // written before the crash, lost with it
  }, 90_000);

  it('times out instead of waiting on a Redis that stopped answering, then recovers', async () => {
    expect(await usedAgain()).toBe(true);
    failures.length = 0;
    server.pause();
    let stalled: boolean[];
    try {
      stalled = await settlesDuringOutage(hammer(cache, 10), 'a cache call on a stalled Redis was');
    } finally {
      server.resume();
    }
    expect(stalled.every((a) => !a)).toBe(true);
    // Each call that went to Redis was ended by the cache's own 50 ms budget, not by an error or a reply.
    const calls = failures.filter((f) => f.operation === 'get' || f.operation === 'set');
    expect(calls).toHaveLength(FAILURES_TO_OPEN);
    for (const { err } of calls) {
      expect(err).toBeInstanceOf(TimeoutError);
      expect((err as TimeoutError).timeoutMs).toBe(TIMEOUT_MS);
    }
    expect(cache.breaker.state).toBe('open');

    expect(await usedAgain()).toBe(true);
    await cache.setMany([{ key: key(8), value: row(8) }]);
    expect(floatsOf((await cache.getMany([key(8)])).values[0] ?? new Uint8Array())[0]).toBe(800);
  }, 90_000);
});
