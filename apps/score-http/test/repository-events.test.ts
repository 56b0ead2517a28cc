// A blob model repository on Azurite, MODEL_CONTROL_MODE=poll with MODEL_POLL_INTERVAL_S at an hour, so
// only an Event Grid delivery can make the app read it again during the test (issue 27 item 3): the real
// HTTP app on the local host, events posted to POST /repository/events as Event Grid posts them. The route
// waits for the read it asked for (waitMs well above anything a read of these small models takes), so its
// 200 means the repository has been read: nothing here waits on a clock.
// Then the sha256 pins of config.json on such a reload: a mismatching file never replaces what serves; and
// an app started on an empty container, as azd's MODELS_IN_BLOB leaves it until the first upload.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { startAzurite, startHttpHost, type RunningAzurite, type RunningHttpHost } from '@modelfn/local-host';
import { offsetModel } from '@modelfn/model-builder';
import { createScorer, readSettings, type Scorer } from '@modelfn/scoring';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpFunctions } from '../src/functions.js';
import { postJson } from './support/http.js';

let azurite: RunningAzurite;
let models: ContainerClient;
let scorer: Scorer;
let host: RunningHttpHost;
let copy: string;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const upload = (name: string, bytes: Uint8Array | string) =>
  models.getBlockBlobClient(name).uploadData(Buffer.from(bytes));

/** `pinned` pins version 1 to offset 10 and version 2 to offset 30 (latest: 1 serves the newest). */
const PINS = { '1': { sha256: sha256(offsetModel(10)) }, '2': { sha256: sha256(offsetModel(30)) } };

beforeAll(async () => {
  azurite = await startAzurite({ blobPort: 0, queuePort: 0, tablePort: 0 });
  models = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('models');
  await models.create();
  await upload('plus/1/model.onnx', offsetModel(1));
  await upload('pinned/config.json', JSON.stringify({ versions: PINS }));
  await upload('pinned/1/model.onnx', offsetModel(10));
  copy = mkdtempSync(join(tmpdir(), 'modelfn-events-'));
  scorer = await createScorer(
    readSettings({
      MODEL_REPOSITORY: 'blob:models',
      MODEL_CACHE_DIR: copy,
      AzureWebJobsStorage: azurite.connectionString,
      MODEL_CONTROL_MODE: 'poll',
      MODEL_POLL_INTERVAL_S: '3600',
      CACHE_MODE: 'memory',
      INFERENCE_THREADS: '0',
    }),
  );
  host = await startHttpHost({
    functions: createHttpFunctions({
      scorer: async () => scorer,
      authLevel: 'anonymous',
      repositoryEvents: { waitMs: 600_000 },
    }),
    port: 0,
    routePrefix: '',
    logger: pino({ level: 'silent' }),
  });
}, 90_000);

afterAll(async () => {
  await host?.close();
  await scorer?.close();
  await azurite?.stop();
  if (copy) rmSync(copy, { recursive: true, force: true });
});

/** What Event Grid posts for one blob of the storage account (Event Grid schema, one event in an array). */
async function poke(type: 'BlobCreated' | 'BlobDeleted', blob: string, container = 'models') {
  const res = await fetch(`${host.url}/repository/events?code=any`, {
    method: 'POST',
    headers: { 'aeg-event-type': 'Notification', 'content-type': 'application/json' },
    body: JSON.stringify([
      {
        id: crypto.randomUUID(),
        topic:
          '/subscriptions/s/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/devstoreaccount1',
        subject: `/blobServices/default/containers/${container}/blobs/${blob}`,
        eventType: `Microsoft.Storage.${type}`,
        eventTime: new Date().toISOString(),
        dataVersion: '',
        metadataVersion: '1',
        data: { api: 'PutBlob', url: `${azurite.blobEndpoint}/${container}/${blob}`, blobType: 'BlockBlob' },
      },
    ]),
  });
  const body = (await res.json()) as { repository?: string };
  return `${res.status} ${body.repository}`;
}

/** What a delivery with a change of the repository is answered once the repository has been read. */
const READ = '200 read';

/** The answer to x and the version that gave it, through the v2 route that names no version. */
async function ask(model: string, x: number): Promise<{ version: string; y: number }> {
  const r = await postJson<{ model_version: string; outputs: { data: number[] }[] }>(
    `${host.url}/v2/models/${model}/infer`,
    { inputs: [{ name: 'x', shape: [1, 1], datatype: 'FP32', data: [x] }] },
  );
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return { version: r.body.model_version, y: r.body.outputs[0].data[0] };
}

type IndexRow = { name: string; version: string; state: string; reason?: string };
const index = async (model: string) =>
  (await postJson<IndexRow[]>(`${host.url}/v2/repository/index`, {})).body.filter((r) => r.name === model);

describe('the Event Grid poke of a blob repository (MODEL_CONTROL_MODE=poll, an hour between polls)', () => {
  it("answers Event Grid's subscription handshake and the CloudEvents OPTIONS on the app's route", async () => {
    const url = `${host.url}/repository/events?code=any`;
    const validation = await postJson<{ validationResponse: string }>(
      url,
      [
        {
          id: '1',
          eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
          data: { validationCode: 'v-42' },
        },
      ],
      { 'aeg-event-type': 'SubscriptionValidation' },
    );
    expect([validation.status, validation.body]).toEqual([200, { validationResponse: 'v-42' }]);
    const options = await fetch(url, {
      method: 'OPTIONS',
      headers: { 'webhook-request-origin': 'eventgrid.azure.net' },
    });
    expect([options.status, options.headers.get('webhook-allowed-origin')]).toEqual([
      200,
      'eventgrid.azure.net',
    ]);
  });

  it('serves a version uploaded once its BlobCreated event is posted, and the one before once it is deleted', async () => {
    expect(await ask('plus', 1)).toEqual({ version: '1', y: 2 });
    await upload('plus/2/model.onnx', offsetModel(2));
    // Uploaded, not announced: the hour-long poll interval has not read it.
    expect(await ask('plus', 1)).toEqual({ version: '1', y: 2 });
    expect(await poke('BlobCreated', 'plus/2/model.onnx')).toBe(READ);
    expect(await ask('plus', 1)).toEqual({ version: '2', y: 3 });

    await models.getBlockBlobClient('plus/2/model.onnx').delete();
    expect(await ask('plus', 1)).toEqual({ version: '2', y: 3 });
    expect(await poke('BlobDeleted', 'plus/2/model.onnx')).toBe(READ);
    expect(await ask('plus', 1)).toEqual({ version: '1', y: 2 });
    expect(scorer.repository.versions('plus').map((v) => v.version)).toEqual(['1']);
  });

  it('does not read the repository for an event of another container', async () => {
    await upload('plus/3/model.onnx', offsetModel(3));
    try {
      expect(await poke('BlobCreated', 'plus/3/model.onnx', 'images')).toBe('200 unchanged');
      expect(await ask('plus', 1)).toEqual({ version: '1', y: 2 });
    } finally {
      await models.getBlockBlobClient('plus/3/model.onnx').delete();
      expect(await poke('BlobDeleted', 'plus/3/model.onnx')).toBe(READ);
    }
    expect(await ask('plus', 1)).toEqual({ version: '1', y: 2 });
  });
});

describe('versions.<n>.sha256 on a blob repository’s reload', () => {
  it('refuses a replaced model.onnx whose hash differs: the file loaded before keeps serving, the index says why', async () => {
    expect(await ask('pinned', 1)).toEqual({ version: '1', y: 11 });
    const wrong = offsetModel(20);
    await upload('pinned/1/model.onnx', wrong);
    expect(await poke('BlobCreated', 'pinned/1/model.onnx')).toBe(READ);
    expect(await ask('pinned', 1)).toEqual({ version: '1', y: 11 });
    const [row] = await index('pinned');
    expect(row).toMatchObject({ version: '1', state: 'READY' });
    expect(row.reason).toBe(
      `reload failed: model.onnx sha256 ${sha256(wrong)} differs from config.json (${PINS['1'].sha256}); the version loaded before keeps serving`,
    );
    // The pinned file again: served, and the reason is gone.
    await upload('pinned/1/model.onnx', offsetModel(10));
    expect(await poke('BlobCreated', 'pinned/1/model.onnx')).toBe(READ);
    expect(await ask('pinned', 1)).toEqual({ version: '1', y: 11 });
    expect(await index('pinned')).toEqual([{ name: 'pinned', version: '1', state: 'READY' }]);
  });

  it('refuses a new version whose file differs from its pin while the one before serves; the pinned file is served', async () => {
    const wrong = offsetModel(31);
    await upload('pinned/2/model.onnx', wrong);
    expect(await poke('BlobCreated', 'pinned/2/model.onnx')).toBe(READ);
    expect(await ask('pinned', 1)).toEqual({ version: '1', y: 11 });
    const rows = await index('pinned');
    expect(rows.map((r) => [r.version, r.state])).toEqual([
      ['1', 'READY'],
      ['2', 'UNAVAILABLE'],
    ]);
    expect(rows[1].reason).toContain(`model.onnx sha256 ${sha256(wrong)} differs from config.json`);

    await upload('pinned/2/model.onnx', offsetModel(30));
    expect(await poke('BlobCreated', 'pinned/2/model.onnx')).toBe(READ);
    expect(await ask('pinned', 1)).toEqual({ version: '2', y: 31 });
    expect(await index('pinned')).toEqual([{ name: 'pinned', version: '2', state: 'READY' }]);
  });
});

describe('an app started on an empty container (azd: MODELS_IN_BLOB before the first upload)', () => {
  it('serves nothing, then the model uploaded once the event is posted', async () => {
    const later = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(
      'later',
    );
    await later.create();
    const dir = mkdtempSync(join(tmpdir(), 'modelfn-events-empty-'));
    const empty = await createScorer(
      readSettings({
        MODEL_REPOSITORY: 'blob:later',
        MODEL_CACHE_DIR: dir,
        AzureWebJobsStorage: azurite.connectionString,
        MODEL_CONTROL_MODE: 'poll',
        MODEL_POLL_INTERVAL_S: '3600',
        CACHE_MODE: 'memory',
        INFERENCE_THREADS: '0',
      }),
    );
    const app = await startHttpHost({
      functions: createHttpFunctions({
        scorer: async () => empty,
        authLevel: 'anonymous',
        repositoryEvents: { waitMs: 600_000 },
      }),
      port: 0,
      routePrefix: '',
      logger: pino({ level: 'silent' }),
    });
    try {
      const infer = () =>
        postJson<{ code?: string; outputs?: { data: number[] }[] }>(`${app.url}/v2/models/plus/infer`, {
          inputs: [{ name: 'x', shape: [1, 1], datatype: 'FP32', data: [1] }],
        });
      const before = await infer();
      expect([before.status, before.body.code]).toEqual([404, 'MODEL_NOT_FOUND']);
      await later.getBlockBlobClient('plus/1/model.onnx').uploadData(Buffer.from(offsetModel(5)));
      const res = await fetch(`${app.url}/repository/events`, {
        method: 'POST',
        headers: { 'aeg-event-type': 'Notification', 'content-type': 'application/json' },
        body: JSON.stringify([
          {
            id: '1',
            eventType: 'Microsoft.Storage.BlobCreated',
            subject: '/blobServices/default/containers/later/blobs/plus/1/model.onnx',
            data: {},
          },
        ]),
      });
      expect([res.status, ((await res.json()) as { repository: string }).repository]).toEqual([200, 'read']);
      const after = await infer();
      expect([after.status, after.body.outputs?.[0].data[0]]).toEqual([200, 6]);
    } finally {
      await app.close();
      await empty.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
