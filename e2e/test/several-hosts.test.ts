// Several instances of the apps, as Azure scales out: three hosts (apps/local/src/main.ts, the `npm start`
// entry) on one Azurite, one Service Bus emulator and one Redis. The first host starts them as `npm start`
// does; the other two attach to them through AzureWebJobsStorage, ServiceBusConnection and REDIS_URL, the
// settings an app instance in Azure reads. Each blob version must be scored once and each message answered once.
// Their models come from one blob repository in that Azurite (MODEL_CONTROL_MODE=poll, each host its own copy
// as each instance has its own disk): a model.onnx replaced there is answered anew on every trigger of every
// host, never from the old file's cached rows, and a version uploaded is served by every host within two polls
// (issue 27 items 5 and 6).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ServiceBusClient } from '@azure/service-bus';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { HOSTS_CONTAINER } from '@modelfn/local-host';
import { offsetModel } from '@modelfn/model-builder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replies } from './support/clients.js';
import { mnist, png } from './support/digits.js';
import { ROOT, startSystem, type System } from './support/system.js';

const ONE_WORKER = { LOCAL_HOST_WORKERS: '1' };
/** Short polls: the tests below wait for them (counted, not timed). */
const POLL_S = 0.5;
const REPOSITORY = {
  MODEL_REPOSITORY: 'blob:models',
  MODEL_CONTROL_MODE: 'poll',
  MODEL_POLL_INTERVAL_S: String(POLL_S),
  // The first host starts on an empty container: the default is named, not taken from what was there.
  DEFAULT_MODEL: 'mnist',
};

describe('three hosts on shared services', () => {
  const hosts: System[] = [];
  const copies: string[] = [];
  let models: ContainerClient;
  const ownCopy = () => {
    copies.push(mkdtempSync(join(tmpdir(), 'modelfn-host-models-')));
    return { MODEL_CACHE_DIR: copies.at(-1)! };
  };

  beforeAll(async () => {
    // The first host makes the models container in the Azurite it starts (npm start does for blob:<container>).
    const first = await startSystem(undefined, { ...ONE_WORKER, ...REPOSITORY, ...ownCopy() });
    hosts.push(first);
    models = BlobServiceClient.fromConnectionString(first.storage).getContainerClient('models');
    const mnistDir = join(ROOT, 'models', 'mnist');
    for (const f of readdirSync(mnistDir, { recursive: true, withFileTypes: true }))
      if (f.isFile()) {
        const path = join(f.parentPath, f.name);
        await models.getBlockBlobClient(`mnist/${relative(mnistDir, path)}`).uploadData(readFileSync(path));
      }
    await models.getBlockBlobClient('plus/1/model.onnx').uploadData(Buffer.from(offsetModel(1)));
    await waitFor(async () => (await ready(first, 'mnist')) && (await ready(first, 'plus')));
    const shared = {
      ...ONE_WORKER,
      ...REPOSITORY,
      AzureWebJobsStorage: first.storage,
      ServiceBusConnection: first.servicebus,
      REDIS_URL: first.redisUrl,
    };
    hosts.push(
      ...(await Promise.all([
        startSystem(undefined, { ...shared, ...ownCopy() }),
        startSystem(undefined, { ...shared, ...ownCopy() }),
      ])),
    );
  }, 180_000);

  afterAll(async () => {
    // The attached hosts first: the first one owns the services they use.
    await Promise.all(hosts.slice(1).map((h) => h.stop()));
    await hosts[0]?.stop();
    for (const c of copies) rmSync(c, { recursive: true, force: true });
  });

  /** Waits until `ok` holds; the bound only guards against a host that never gets there. */
  async function waitFor(ok: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!(await ok())) {
      if (Date.now() > until) throw new Error(`not within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  const ready = async (h: System, model: string) =>
    (await fetch(`${h.url}/v2/models/${model}/ready`)).status === 200;

  /** Per host, the sum of the /metrics series lines `pattern` matches (its group 1 is the value). */
  async function counter(pattern: RegExp): Promise<number[]> {
    const all = new RegExp(pattern.source, 'gm');
    return Promise.all(
      hosts.map(async (h) => {
        const text = await (await fetch(`${h.url}/metrics`)).text();
        return [...text.matchAll(all)].reduce((sum, m) => sum + Number(m[1]), 0);
      }),
    );
  }

  it('scores each uploaded blob version once across the three hosts', async () => {
    const n = 150;
    const service = BlobServiceClient.fromConnectionString(hosts[0].storage);
    const images = service.getContainerClient('images');
    for (let k = 0; k < n; k += 10) {
      await Promise.all(
        Array.from({ length: 10 }, async (_, j) =>
          images.getBlockBlobClient(`multi/${k + j}.png`).uploadData(await png(700 + k + j)),
        ),
      );
    }
    const predictions = service.getContainerClient('predictions');
    const deadline = Date.now() + 60_000;
    let results = 0;
    while (Date.now() < deadline) {
      results = 0;
      for await (const b of predictions.listBlobsFlat({ prefix: 'multi/' }))
        if (b.name.endsWith('.json')) results++;
      if (results >= n) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(results).toBe(n);
    // A few more scans by every host, which must find each version done (their claims), not score it again.
    await new Promise((r) => setTimeout(r, 1_500));
    const perHost = await counter(
      /^modelfn_invocations_total\{trigger="blob",function="scoreBlob",outcome="ok"\} (\d+)$/m,
    );
    expect(perHost.reduce((a, b) => a + b, 0)).toBe(n);
    let claims = 0;
    for await (const b of service
      .getContainerClient(HOSTS_CONTAINER)
      .listBlobsFlat({ prefix: 'blobreceipts/' }))
      if (b.name.includes('.claims/') && b.name.endsWith('multi/0.png')) claims++;
    expect(claims).toBe(1);
    console.log(`3 hosts, ${n} blobs: ${results} results, scorings per host ${perHost.join(' / ')}`);
  });

  it('answers each message once across the three hosts (competing peek-lock consumers)', async () => {
    const n = 1_000;
    const client = new ServiceBusClient(hosts[0].servicebus);
    try {
      const sender = client.createSender('scoring-requests');
      for (let k = 0; k < n; k += 10) {
        await sender.sendMessages(
          Array.from({ length: 10 }, (_, j) => ({
            body: {
              data: [
                Array.from(
                  mnist.images.subarray(((k + j) % 500) * 784, (((k + j) % 500) + 1) * 784),
                  (p) => p / 255,
                ),
              ],
            },
            correlationId: `multi-${k + j}`,
          })),
        );
      }
      const receiver = client.createReceiver('scoring-replies', { receiveMode: 'receiveAndDelete' });
      const count = new Map<string, number>();
      const deadline = Date.now() + 60_000;
      // Until every id has a reply, then 3 s more for duplicates still on their way.
      let quietUntil = Infinity;
      while (Date.now() < Math.min(deadline, quietUntil)) {
        for (const m of await receiver.receiveMessages(200, { maxWaitTimeInMs: 300 })) {
          const id = String(m.correlationId);
          if (id.startsWith('multi-')) count.set(id, (count.get(id) ?? 0) + 1);
        }
        if (count.size === n && quietUntil === Infinity) quietUntil = Date.now() + 3_000;
      }
      const duplicates = [...count.values()].filter((c) => c > 1).length;
      const perHost = await counter(/^modelfn_invocation_items_total\{trigger="servicebus"[^}]*\} (\d+)$/m);
      console.log(
        `3 hosts, ${n} messages: ${count.size} answered, ${duplicates} answered twice, items per host ${perHost.join(' / ')}`,
      );
      expect(count.size).toBe(n);
      expect(duplicates).toBe(0);
      expect(perHost.reduce((a, b) => a + b, 0)).toBe(n);
      // Competing consumers: the work was shared, not taken by one host.
      expect(perHost.filter((x) => x > 0).length).toBeGreaterThanOrEqual(2);
    } finally {
      await client.close();
    }
  });

  async function eachHost<T>(ask: (h: System) => Promise<T>): Promise<T[]> {
    const answers: T[] = [];
    for (const h of hosts) answers.push(await ask(h));
    return answers;
  }

  /** y = x + offset over HTTP (POST /score, x-model): the answer's value and how the host answered it. */
  async function httpPlus(h: System, x: number) {
    const r = await fetch(`${h.url}/score`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-model': 'plus' },
      body: JSON.stringify({ data: [[x]] }),
    });
    expect(r.status).toBe(200);
    return {
      value: firstNumber(await r.json()),
      model: r.headers.get('x-model'),
      cache: r.headers.get('x-cache'),
    };
  }

  /** The first number of an answer, wherever the trigger's rendering puts it (y has one value). */
  function firstNumber(body: unknown): number {
    const found = /-?\d+(\.\d+)?/.exec(JSON.stringify(body, (k, v) => (k === 'version' ? undefined : v)));
    return Number(found?.[0]);
  }

  const sha256Of = async (h: System) =>
    ((await (await fetch(`${h.url}/v2/models/plus/versions/1`)).json()) as { parameters: { sha256: string } })
      .parameters.sha256;

  /**
   * Each host's completed polls of the repository that read it (modelfn_model_repository_polls_total). One
   * poller per host: LOCAL_HOST_WORKERS=1 keeps HTTP in the host's process (workers would each poll, summed).
   */
  const polls = () =>
    Promise.all(
      hosts.map(async (h) => {
        const text = await (await fetch(`${h.url}/metrics`)).text();
        return Number(/^modelfn_model_repository_polls_total\{outcome="read"\} (\d+)$/m.exec(text)?.[1] ?? 0);
      }),
    );

  /** y = x + offset as a blob (metadata model) and as a message (application property model), at once. */
  async function blobAndMessage(x: number, id: string) {
    const [blob, message] = await Promise.all([blobAnswer(x, id), messageAnswer(x, id)]);
    return { blob, message };
  }

  async function blobAnswer(x: number, id: string) {
    const service = BlobServiceClient.fromConnectionString(hosts[0].storage);
    await service
      .getContainerClient('images')
      .getBlockBlobClient(`${id}.json`)
      .uploadData(Buffer.from(JSON.stringify({ data: [[x]] })), {
        blobHTTPHeaders: { blobContentType: 'application/json' },
        metadata: { model: 'plus' },
      });
    // The result, or the error record that says why there is none.
    const predictions = service.getContainerClient('predictions');
    let record: Record<string, unknown> | undefined;
    await waitFor(async () => {
      for (const name of [`${id}.json.json`, `${id}.json.error.json`]) {
        const blob = predictions.getBlobClient(name);
        if (await blob.exists()) record = JSON.parse((await blob.downloadToBuffer()).toString('utf8'));
      }
      return record !== undefined;
    }, 20_000);
    if (!record || 'error' in record) throw new Error(`blob ${id}.json: ${JSON.stringify(record)}`);
    return { value: firstNumber(record.result ?? record), cache: record.cache };
  }

  async function messageAnswer(x: number, id: string) {
    const client = new ServiceBusClient(hosts[0].servicebus);
    try {
      const sender = client.createSender('scoring-requests');
      await sender.sendMessages({
        body: { data: [[x]] },
        correlationId: id,
        applicationProperties: { model: 'plus' },
      });
      await sender.close();
      const reply = (await replies(client, [id])).get(id)?.body as Record<string, unknown> | undefined;
      if (!reply || 'error' in reply) throw new Error(`message ${id}: ${JSON.stringify(reply)}`);
      return { value: firstNumber(reply.result ?? reply), cache: reply.cache };
    } finally {
      await client.close();
    }
  }

  it('a model.onnx replaced under the same version is answered anew on every trigger of every host', async () => {
    const oldSha = await sha256Of(hosts[0]);
    // y = 7 + 1 by the first file: computed once, by the first host, then its row in Redis answers every
    // host and trigger (one host after the other, so that the row is there for the next).
    expect(await eachHost((h) => httpPlus(h, 7))).toEqual([
      { value: 8, model: 'plus:1', cache: 'miss' },
      { value: 8, model: 'plus:1', cache: 'hit' },
      { value: 8, model: 'plus:1', cache: 'hit' },
    ]);
    expect(await blobAndMessage(7, 'plus-before')).toEqual({
      blob: { value: 8, cache: 'hit' },
      message: { value: 8, cache: 'hit' },
    });

    await models.getBlockBlobClient('plus/1/model.onnx').uploadData(Buffer.from(offsetModel(100)));
    // Every host serves the new file (its sha256 in the version's metadata): from then on, no trigger of any
    // host may answer 8 from the rows the old file left in Redis.
    await waitFor(async () => (await Promise.all(hosts.map(sha256Of))).every((sha) => sha !== oldSha));
    // The new file's row is computed once, by the first host; the others find it.
    expect(await eachHost((h) => httpPlus(h, 7))).toEqual([
      { value: 107, model: 'plus:1', cache: 'miss' },
      { value: 107, model: 'plus:1', cache: 'hit' },
      { value: 107, model: 'plus:1', cache: 'hit' },
    ]);
    expect(await blobAndMessage(7, 'plus-after')).toEqual({
      blob: { value: 107, cache: 'hit' },
      message: { value: 107, cache: 'hit' },
    });
  });

  it('a version uploaded is served by every host once each has completed two polls since', async () => {
    const uploaded = Date.now();
    await models.getBlockBlobClient('plus/2/model.onnx').uploadData(Buffer.from(offsetModel(2)));
    // Counted after the upload: a poll running now may have listed the container before it; the next one
    // began after, saw version 2 and counts only once it serves it. So two more polls, then no waiting.
    const since = await polls();
    await waitFor(async () => (await polls()).every((n, i) => n >= since[i] + 2));
    const served = await Promise.all(hosts.map((h) => httpPlus(h, 1)));
    expect(served.map((r) => [r.model, r.value])).toEqual([
      ['plus:2', 3],
      ['plus:2', 3],
      ['plus:2', 3],
    ]);
    console.log(
      `3 hosts: version 2 served by all ${Date.now() - uploaded} ms after its upload (MODEL_POLL_INTERVAL_S=${POLL_S})`,
    );
  });
});
