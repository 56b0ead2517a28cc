// Two hosts (two scorers in this process, each with its own copy folder, as two instances have their own
// disks) polling one blob repository on Azurite and sharing one real redis-server (issue 27 items 5 and 6):
// a model.onnx replaced under the same version number never answers from the old file's cached rows, and a
// new version uploaded, then deleted, is served by both. Only generous bounds on "eventually", no timings.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { findFreePort, startRedisServer, type RedisServer } from '@modelfn/dev-processes';
import { startAzurite, type RunningAzurite } from '@modelfn/local-host';
import { offsetModel } from '@modelfn/model-builder';
import { createScorer, readSettings, type ModelAnswer, type Scorer } from '@modelfn/scoring';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let azurite: RunningAzurite;
let redis: RedisServer;
let models: ContainerClient;
const hosts: Scorer[] = [];
const copies: string[] = [];

const upload = (name: string, bytes: Uint8Array) =>
  models.getBlockBlobClient(name).uploadData(Buffer.from(bytes));

beforeAll(async () => {
  [azurite, redis] = await Promise.all([
    startAzurite({ blobPort: 0, queuePort: 0, tablePort: 0 }),
    findFreePort().then((port) => startRedisServer({ port })),
  ]);
  models = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('models');
  await models.create();
  await upload('plus/1/model.onnx', offsetModel(1));
  for (let i = 0; i < 2; i++) {
    const copy = mkdtempSync(join(tmpdir(), `modelfn-blob-host${i}-`));
    copies.push(copy);
    const scorer = await createScorer(
      readSettings({
        MODEL_REPOSITORY: 'blob:models',
        MODEL_CACHE_DIR: copy,
        AzureWebJobsStorage: azurite.connectionString,
        MODEL_CONTROL_MODE: 'poll',
        MODEL_POLL_INTERVAL_S: '0.2',
        REDIS_URL: redis.url,
        CACHE_TIMEOUT_MS: '1000',
        INFERENCE_THREADS: '0',
      }),
    );
    hosts.push(scorer);
    // The cache connects in the background: wait until it answers, so hits are Redis's, not a bypass.
    await pollUntil(async () => (await scorer.cache.rows.getMany(['probe'])).available);
  }
}, 90_000);

afterAll(async () => {
  await Promise.all(hosts.map((h) => h.close()));
  await Promise.all([azurite?.stop(), redis?.stop()]);
  for (const c of copies) rmSync(c, { recursive: true, force: true });
});

/** y = x + offset: the first value of the answer tells which file answered. */
const valueOf = (r: ModelAnswer) => Number((r.outputs[0].data as Float32Array)[0]);

/** Waits until `ok` holds (checked every 20 ms); fails only past a bound far above what the step takes. */
async function pollUntil(ok: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > until) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const ask = (host: Scorer, x: number): Promise<ModelAnswer> =>
  host.infer({ object: { data: [[x]] }, model: 'plus' });

describe('two hosts on one blob repository and one Redis, MODEL_CONTROL_MODE=poll', () => {
  it('a model.onnx replaced under the same version never answers from the old file’s cached rows', async () => {
    const [a, b] = hosts;
    const first = await ask(a, 7);
    expect([valueOf(first), first.cache]).toEqual([8, 'miss']);
    // The other host finds the row host A wrote: the rows are shared through Redis.
    const shared = await ask(b, 7);
    expect([valueOf(shared), shared.cache]).toEqual([8, 'hit']);
    const oldSha = first.model.sha256;

    await upload('plus/1/model.onnx', offsetModel(100));
    const answers: { host: number; sha: string; value: number; cache: string }[] = [];
    await pollUntil(async () => {
      for (const [i, host] of hosts.entries()) {
        const r = await ask(host, 7);
        answers.push({ host: i, sha: r.model.sha256, value: valueOf(r), cache: r.cache });
      }
      return [0, 1].every((i) => answers.findLast((x) => x.host === i)!.sha !== oldSha);
    }, 60_000);
    for (const x of answers) expect(x.value, JSON.stringify(x)).toBe(x.sha === oldSha ? 8 : 107);
    expect(answers.filter((x) => x.sha !== oldSha).length).toBeGreaterThanOrEqual(2);
    // Both hosts now answer the new file's row, the second one from the row the first one cached.
    const again = await Promise.all(hosts.map((h) => ask(h, 7)));
    expect(again.map((r) => [r.model.version, valueOf(r), r.cache])).toEqual([
      ['1', 107, 'hit'],
      ['1', 107, 'hit'],
    ]);
  }, 90_000);

  it('a version uploaded is served by both hosts; deleted, both go back to the one before', async () => {
    await upload('plus/2/model.onnx', offsetModel(2));
    // Two poll intervals are 0.4 s; the bound only guards against a host that never converges.
    await pollUntil(async () => {
      const rs = await Promise.all(hosts.map((h) => ask(h, 1)));
      return rs.every((r) => r.model.version === '2' && valueOf(r) === 3);
    }, 60_000);
    await models.getBlockBlobClient('plus/2/model.onnx').delete();
    await pollUntil(async () => {
      const rs = await Promise.all(hosts.map((h) => ask(h, 1)));
      return rs.every((r) => r.model.version === '1' && valueOf(r) === 101);
    }, 60_000);
    for (const h of hosts) expect(h.repository.versions('plus').map((v) => v.version)).toEqual(['1']);
  }, 90_000);
});
