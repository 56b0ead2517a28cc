import { loadMnist } from '@modelfn/train-mnist';
import { createClient } from '@redis/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScorer } from '../../src/create-scorer.js';
import { predictions } from '../../src/encode/predictions.js';
import type { Scorer } from '../../src/scorer.js';
import { readSettings } from '../../src/settings.js';
import { MODELS } from '../support/models.js';
import { runsOf } from '../support/runs.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';

const test = loadMnist('test');
const row = (i: number) => Array.from(test.images.subarray(i * 784, (i + 1) * 784), (p) => p / 255);
const json = (v: unknown) => ({ body: Buffer.from(JSON.stringify(v)), contentType: 'application/json' });

describe('Scorer with a real redis-server', () => {
  let server: RedisServer;
  let scorer: Scorer;
  let redis: ReturnType<typeof createClient>;

  beforeAll(async () => {
    server = await startRedisServer();
    scorer = await createScorer(
      readSettings({
        MODEL_REPOSITORY: MODELS,
        REDIS_URL: server.url,
        CACHE_TTL_SECONDS: '120',
        CACHE_TIMEOUT_MS: '1000',
      }),
    );
    redis = createClient({ url: server.url });
    redis.on('error', () => undefined);
    await redis.connect();
    // The cache connects in the background; wait until it answers.
    for (let t = 0; t < 50 && !(await scorer.cache.rows.getMany(['probe'])).available; t++)
      await new Promise((r) => setTimeout(r, 100));
  });

  afterAll(async () => {
    await scorer?.close();
    await redis?.quit();
    await server?.stop();
  });

  it('writes results with a TTL under model, version and model hash, then hits', async () => {
    const first = await scorer.infer(json({ data: [row(0)] }));
    expect(first.cache).toBe('miss');
    await new Promise((r) => setTimeout(r, 50));
    const keys = await redis.keys('modelfn:mnist:1:*');
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^modelfn:mnist:1:887d67574984:[0-9a-f]{64}$/);
    const ttl = await redis.ttl(keys[0]);
    expect(ttl).toBeGreaterThan(100);
    expect(ttl).toBeLessThanOrEqual(120);
    // The row's ten float32 probabilities, nothing else.
    expect(await redis.strLen(keys[0])).toBe(40);
    expect((await scorer.infer(json({ data: [row(0)] }))).cache).toBe('hit');
  });

  it('reports a partial batch and infers only the rows it did not know', async () => {
    await scorer.infer(json({ data: [row(1), row(2)] }));
    await new Promise((r) => setTimeout(r, 50));
    const before = await runsOf('mnist');
    const result = await scorer.infer(json({ data: [row(1), row(2), row(3), row(4)] }));
    expect(result.cache).toBe('partial');
    expect((await runsOf('mnist')) - before).toBe(1);
    expect(predictions(result)).toEqual([1, 2, 3, 4].map((i) => test.labels[i]));
  });

  it('runs one inference for many concurrent identical misses (single flight)', async () => {
    const before = await runsOf('mnist');
    const results = await Promise.all(
      Array.from({ length: 32 }, () => scorer.infer(json({ data: [row(5)] }))),
    );
    expect((await runsOf('mnist')) - before).toBe(1);
    expect(results.every((r) => predictions(r)[0] === test.labels[5])).toBe(true);
  });

  it('reads inputs by reference from a Redis key (data_key), as rows or {"data": rows}', async () => {
    await redis.set('user:rows', JSON.stringify([row(6), row(7)]));
    await redis.set('user:doc', JSON.stringify({ data: [row(8)] }));
    const a = await scorer.infer(json({ data_key: 'user:rows' }));
    expect(predictions(a)).toEqual([test.labels[6], test.labels[7]]);
    const b = await scorer.infer({
      v2: Buffer.from(JSON.stringify({ inputs: [], parameters: { data_key: 'user:doc' } })),
      model: 'mnist',
    });
    expect(predictions(b)).toEqual([test.labels[8]]);
    await expect(scorer.infer(json({ data_key: 'user:missing' }))).rejects.toMatchObject({
      code: 'DATA_KEY_NOT_FOUND',
      status: 404,
    });
    await redis.set('user:bad', 'not json');
    await expect(scorer.infer(json({ data_key: 'user:bad' }))).rejects.toMatchObject({
      code: 'INVALID_JSON',
    });
  });

  it('treats a stored value of the wrong size as a miss, never as an answer', async () => {
    const [key] = await redis.keys('modelfn:mnist:1:*');
    await redis.set(key, Buffer.alloc(12));
    const stored = await redis.keys('modelfn:mnist:1:*');
    expect(stored.length).toBeGreaterThan(0);
    const result = await scorer.infer(json({ data: [row(0)] }));
    expect(predictions(result)[0]).toBe(test.labels[0]);
  });
});
