import { spawn } from 'node:child_process';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisRowCache } from '../../../src/cache/backends/redis-cache.js';
import { f32Bytes } from '../../support/fakes.js';
import { startLatencyProxy, type LatencyProxy } from '../../support/latency-proxy.js';
import { RedisServer, startRedisServer } from '../../support/redis-server.js';

const KEY = 'modelfn:busy:1:abcdef012345:row';
const ROW = f32Bytes(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);

/** Holds the thread for `ms`, as parsing and scoring one request body does. */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

/**
 * Opens `clients` connections from a process of its own and, once all are up, writes one byte on each in a
 * single go: a burst of requests that the test's loop finds waiting all at once, as an HTTP host does under
 * a 1,000-connection load.
 */
const CLIENTS = `
const net = require('node:net');
const [port, n] = [Number(process.argv[1]), Number(process.argv[2])];
const sockets = [];
let up = 0;
for (let i = 0; i < n; i++) {
  const s = net.connect(port, '127.0.0.1', () => {
    if (++up === n) setTimeout(() => { for (const x of sockets) x.write('x'); }, 50);
  });
  s.on('error', () => undefined);
  sockets.push(s);
}
`;

/**
 * A healthy Redis behind a saturated event loop: each request holds the loop for `workMs` (parsing and
 * scoring a body) and then looks the row up. One turn of the loop reads the whole burst (up to seconds of
 * work) before it can read any Redis reply.
 */
async function burst(cache: RedisRowCache, clients: number, workMs: number) {
  const lookups: Promise<{ available: boolean; hit: boolean }>[] = [];
  let allArrived: () => void = () => undefined;
  const done = new Promise<void>((r) => (allArrived = r));
  const server: Server = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.once('data', () => {
      busy(workMs);
      lookups.push(
        cache
          .getMany([KEY], ROW.length)
          .then((l) => ({ available: l.available, hit: l.values[0] !== undefined })),
      );
      if (lookups.length === clients) allArrived();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const child = spawn(process.execPath, ['-e', CLIENTS, String(port), String(clients)], { stdio: 'ignore' });
  try {
    await done;
    return await Promise.all(lookups);
  } finally {
    child.kill('SIGKILL');
    server.close();
  }
}

describe('RedisRowCache timeouts on a busy event loop', () => {
  let redis: RedisServer;
  let proxy: LatencyProxy;
  let cache: RedisRowCache;

  beforeAll(async () => {
    redis = await startRedisServer();
    // A 4 ms round trip, well inside the 50 ms budget, as to a managed Redis in the same region.
    proxy = await startLatencyProxy(redis.port, 2);
    cache = RedisRowCache.connect(
      {
        redisUrl: `redis://127.0.0.1:${proxy.port}`,
        redisUsername: undefined,
        redisPassword: undefined,
        redisCluster: false,
      },
      { ttlSeconds: 60, timeoutMs: 50, breaker: { failureThreshold: 5, coolDownMs: 2000 } },
    );
    expect(await cache.whenReady(5000)).toBe(true);
    await cache.setMany([{ key: KEY, value: ROW }]);
  });

  afterAll(async () => {
    await cache?.close();
    await proxy?.stop();
    await redis?.dispose();
  });

  it('counts only time Redis had to answer: 400 lookups behind 2 ms of work each are all hits', async () => {
    const results = await burst(cache, 400, 2);
    expect(results).toHaveLength(400);
    const bypassed = results.filter((r) => !r.available).length;
    const missed = results.filter((r) => r.available && !r.hit).length;
    expect({ bypassed, missed }).toEqual({ bypassed: 0, missed: 0 });
    expect(cache.breaker.state).toBe('closed');
  }, 30_000);

  it('writes a whole turn of lookups at once: 2,000 issued together, then long turns, are all hits', async () => {
    // Every lookup is queued in one turn; the next turns are each 100 ms of other work, as under a burst.
    const lookups = Array.from({ length: 2000 }, () => cache.getMany([KEY], ROW.length));
    let turns = 0;
    await new Promise<void>((done) => {
      const turn = () => {
        busy(100);
        if (++turns < 6) setImmediate(turn);
        else done();
      };
      setImmediate(turn);
    });
    const results = await Promise.all(lookups);
    expect(results.filter((l) => !l.available)).toHaveLength(0);
    expect(cache.breaker.state).toBe('closed');
  }, 30_000);

  it('still times out on a Redis that does not answer, while the loop is busy', async () => {
    redis.pause();
    try {
      // The paused server never answers: the burst settles only because every call times out.
      const results = await burst(cache, 50, 2);
      expect(results.every((r) => !r.available)).toBe(true);
    } finally {
      redis.resume();
    }
  }, 30_000);
});
