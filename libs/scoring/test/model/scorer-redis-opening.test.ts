import { loadMnist } from '@modelfn/train-mnist';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScorer } from '../../src/create-scorer.js';
import { readSettings } from '../../src/settings.js';
import { scratchRepository } from '../support/models.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';

const test = loadMnist('test');
const row = (i: number) => Array.from(test.images.subarray(i * 784, (i + 1) * 784), (p) => p / 255);
const json = (v: unknown) => ({ body: Buffer.from(JSON.stringify(v)), contentType: 'application/json' });

/** When a scorer makes its Redis client: after its first answer, or once its models settle. */
describe('the Redis connection of a scorer, opened after start', () => {
  let server: RedisServer;
  let repo: ReturnType<typeof scratchRepository>;
  // Redis alone (no in-process L1 or body memo), so each answer's cache status is Redis's.
  const settings = () =>
    readSettings({
      MODEL_REPOSITORY: repo.root,
      REDIS_URL: server.url,
      CACHE_L1_BYTES: '0',
      CACHE_TIMEOUT_MS: '2000',
    });

  beforeAll(async () => {
    server = await startRedisServer();
    repo = scratchRepository();
  });

  afterAll(async () => {
    await server?.stop();
    repo?.cleanup();
  });

  it('answers the first request of a cold scorer without Redis, then connects and caches', async () => {
    const scorer = await createScorer(settings(), { waitForModels: false });
    try {
      // Sent before the model has loaded: the request, not the models' settling, opens the cache.
      const first = await scorer.infer(json({ data: [row(1)] }));
      expect(first.cache).toBe('bypass');
      // The client is made on the turn after the first answer; a request from then on waits for the
      // connection's first attempt instead of bypassing the cache.
      await new Promise((r) => setImmediate(r));
      const second = await scorer.infer(json({ data: [row(1)] }));
      expect(second.cache).toBe('miss');
      const third = await scorer.infer(json({ data: [row(1)] }));
      expect(third.cache).toBe('hit');
    } finally {
      await scorer.close();
    }
  });

  it('connects once the models have settled when no request came first', async () => {
    const scorer = await createScorer(settings());
    try {
      expect((await scorer.infer(json({ data: [row(2)] }))).cache).toBe('miss');
      expect((await scorer.infer(json({ data: [row(2)] }))).cache).toBe('hit');
    } finally {
      await scorer.close();
    }
  });
});
