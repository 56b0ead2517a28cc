// Blob triggers with `source: 'EventGrid'` on real Azurite: run by events posted to the webhook as the
// Functions host's blob extension takes them (aeg-event-type handshake and notifications, the Event Grid
// schema and CloudEvents 1.0, the CloudEvents OPTIONS handshake, 400 JSON errors), never by polling, with the
// same receipts, retries and poison queue as the polled trigger; then the local announcer that posts them.
import azureFunctions, { type StorageBlobHandler } from '@azure/functions';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  parseConnectionString,
  POISON_QUEUE,
  startAzurite,
  startBlobSource,
  StorageQueue,
  type BlobSource,
  type RunningAzurite,
} from '../src/index.js';

const { output } = azureFunctions;
let azurite: RunningAzurite;
let source: BlobSource;
let service: BlobServiceClient;
const calls: string[] = [];
/** Set by a test to hold the next `onEvent` invocation until it resolves; `entered` says it is held. */
let gate: Promise<void> | undefined;
let entered: () => void = () => undefined;

function eventFunction(name: string, container: string, handler: StorageBlobHandler) {
  return {
    name,
    options: {
      path: `${container}/{name}`,
      connection: 'Storage',
      source: 'EventGrid' as const,
      return: output.storageBlob({ path: `${container}-out/{name}.json`, connection: 'Storage' }),
      handler,
    },
  };
}

beforeAll(async () => {
  azurite = await startAzurite({ blobPort: 0, queuePort: 0, tablePort: 0 });
  service = BlobServiceClient.fromConnectionString(azurite.connectionString);
  source = await startBlobSource({
    connectionString: azurite.connectionString,
    hostId: 'event-grid-test',
    logger: pino({ level: 'silent' }),
    pollIntervalMs: 20,
    retryDelayMs: 10,
    maxAttempts: 2,
    webhookPort: 0,
    announceBlobs: false,
    functions: [
      eventFunction('onEvent', 'eg-in', async (blob: unknown, context) => {
        const held = gate;
        gate = undefined;
        if (held) entered();
        await held;
        calls.push(`${String(context.triggerMetadata?.name)}:${(blob as Buffer).length}`);
        return { bytes: (blob as Buffer).length };
      }),
      eventFunction('alwaysFails', 'eg-fail', () => {
        throw new Error('transient, say');
      }),
    ],
  });
});

afterAll(async () => {
  await source?.close();
  await azurite?.stop();
});

function post(
  body: unknown,
  { functionName = 'Host.Functions.onEvent', type = 'Notification' as string | null, query = '' } = {},
): Promise<Response> {
  return fetch(`${source.webhookUrl}?functionName=${functionName}${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(type !== null ? { 'aeg-event-type': type } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function uploaded(container: ContainerClient, name: string, bytes: number) {
  await container.createIfNotExists();
  const blob = container.getBlockBlobClient(name);
  const { etag } = await blob.uploadData(Buffer.alloc(bytes));
  return { url: blob.url, eTag: etag! };
}

/** A BlobCreated event in the Event Grid schema, as Storage sends it. */
const gridEvent = (blob: { url: string; eTag: string }, eventType = 'Microsoft.Storage.BlobCreated') => ({
  id: 'e1',
  topic: '/subscriptions/x/resourceGroups/y/providers/Microsoft.Storage/storageAccounts/devstoreaccount1',
  subject: `/blobServices/default/containers/${new URL(blob.url).pathname.split('/')[2]}/blobs/x`,
  eventType,
  eventTime: new Date().toISOString(),
  dataVersion: '',
  metadataVersion: '1',
  data: { api: 'PutBlob', url: blob.url, eTag: blob.eTag, blobType: 'BlockBlob', contentType: 'image/png' },
});

describe('Event Grid blob trigger webhook', () => {
  it('answers the subscription handshakes: Event Grid schema (validation code) and CloudEvents (OPTIONS)', async () => {
    const handshake = [
      {
        id: 'v1',
        eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
        data: { validationCode: 'abc-123', validationUrl: 'https://example.invalid/validate' },
      },
    ];
    const res = await post(handshake, { type: 'SubscriptionValidation' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ validationResponse: 'abc-123' });
    // The CloudEvent form carries data as a JSON string.
    const cloud = await post(
      {
        specversion: '1.0',
        type: 'Microsoft.EventGrid.SubscriptionValidationEvent',
        data: '{"validationCode":"c-9"}',
      },
      { type: 'SubscriptionValidation' },
    );
    expect(await cloud.json()).toEqual({ validationResponse: 'c-9' });

    const options = (origin: string) =>
      fetch(`${source.webhookUrl}?functionName=Host.Functions.onEvent`, {
        method: 'OPTIONS',
        headers: { 'webhook-request-origin': origin },
      });
    const ok = await options('eventgrid.azure.net');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('webhook-allowed-origin')).toBe('eventgrid.azure.net');
    expect((await options('eventgrid.azure.us')).headers.get('webhook-allowed-origin')).toBe(
      'eventgrid.azure.us',
    );
    // As the Functions host: an origin that is not Event Grid's is answered with the public cloud's.
    expect((await options('evil.example')).headers.get('webhook-allowed-origin')).toBe('eventgrid.azure.net');
    expect(source.describe().join('\n')).toContain(
      `${source.webhookUrl}?functionName=Host.Functions.onEvent`,
    );
  });

  it('runs the function for a BlobCreated event (with a code), once per blob version, never by polling', async () => {
    const container = service.getContainerClient('eg-in');
    const blob = await uploaded(container, 'dir/a b.png', 9);
    await source.idle();
    expect(calls).toEqual([]);

    const event = gridEvent(blob);
    const deleted = gridEvent(blob, 'Microsoft.Storage.BlobDeleted');
    const elsewhere = gridEvent({ ...blob, url: blob.url.replace('/eg-in/', '/other/') });
    // `code` is the blobs_extension key in Azure; locally any is accepted.
    const res = await post([event, deleted, elsewhere], { query: '&code=local-key' });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ queued: 1, deferred: 0, ignored: 2 });
    await source.idle();
    expect(calls).toEqual(['dir/a b.png:9']);
    const result = await service
      .getContainerClient('eg-in-out')
      .getBlobClient('dir/a b.png.json')
      .downloadToBuffer();
    expect(JSON.parse(result.toString())).toEqual({ bytes: 9 });

    // A repeated delivery (Event Grid is at least once) finds the receipt.
    expect(await (await post([event])).json()).toEqual({ queued: 0, deferred: 0, ignored: 1 });
    await source.idle();
    expect(calls).toHaveLength(1);
  });

  it('takes CloudEvents 1.0: one structured event, or a batch', async () => {
    const container = service.getContainerClient('eg-in');
    const one = await uploaded(container, 'cloud-1.png', 3);
    const two = await uploaded(container, 'cloud-2.png', 4);
    const cloudEvent = (blob: { url: string; eTag: string }) => ({
      specversion: '1.0',
      type: 'Microsoft.Storage.BlobCreated',
      source:
        '/subscriptions/x/resourceGroups/y/providers/Microsoft.Storage/storageAccounts/devstoreaccount1',
      id: blob.url,
      time: new Date().toISOString(),
      subject: '/blobServices/default/containers/eg-in/blobs/x',
      data: { api: 'PutBlob', url: blob.url, eTag: blob.eTag, blobType: 'BlockBlob' },
    });
    expect(await (await post(cloudEvent(one))).json()).toMatchObject({ queued: 1 });
    expect(await (await post([cloudEvent(two)])).json()).toMatchObject({ queued: 1 });
    await source.idle();
    expect(calls).toEqual(expect.arrayContaining(['cloud-1.png:3', 'cloud-2.png:4']));
  });

  it('answers 400 with a JSON error to unknown functions and malformed deliveries, and queues none of them', async () => {
    const blob = await uploaded(service.getContainerClient('eg-in'), 'never.png', 1);
    const good = gridEvent(blob);
    const refused = async (res: Response, code: string) => {
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/json');
      const body = (await res.json()) as { code: string; error: string };
      expect(body.code).toBe(code);
      expect(body.error.length).toBeGreaterThan(10);
    };
    await refused(await post([good], { functionName: 'Host.Functions.nope' }), 'FUNCTION_NOT_FOUND');
    await refused(await post([good], { functionName: '' }), 'FUNCTION_NOT_FOUND');
    await refused(await post([good], { type: null }), 'INVALID_EVENT_TYPE_HEADER');
    await refused(await post('{not json'), 'INVALID_EVENTS');
    await refused(await post('"a string"'), 'INVALID_EVENTS');
    await refused(await post([good, 7]), 'INVALID_EVENTS');
    await refused(await post([good, { data: {} }]), 'INVALID_EVENTS');
    await refused(await post([good, { ...good, data: { url: blob.url } }]), 'INVALID_EVENTS');
    await refused(await post([good, { ...good, data: { eTag: blob.eTag } }]), 'INVALID_EVENTS');
    await refused(
      await post([{ specversion: '0.3', type: 'Microsoft.Storage.BlobCreated' }]),
      'INVALID_EVENTS',
    );
    await refused(
      await post([{ eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent' }], {
        type: 'SubscriptionValidation',
      }),
      'INVALID_EVENTS',
    );
    expect((await post([good], { type: 'Unsubscribe' })).status).toBe(202);
    expect((await post([good], { type: 'SubscriptionDeletion' })).status).toBe(202);
    const wrongPath = await fetch(source.webhookUrl!.replace('/blobs', '/nope'), { method: 'POST' });
    expect(wrongPath.status).toBe(404);
    expect(await wrongPath.json()).toMatchObject({ code: 'ROUTE_NOT_FOUND' });
    await source.idle();
    expect(calls.some((c) => c.startsWith('never.png'))).toBe(false);
  });

  it('never loses an acknowledged event: a failing blob is retried, then goes to the poison queue', async () => {
    const blob = await uploaded(service.getContainerClient('eg-fail'), 'bad.png', 2);
    const res = await post([gridEvent(blob)], { functionName: 'Host.Functions.alwaysFails' });
    expect(await res.json()).toMatchObject({ queued: 1 });
    await source.idle();
    const poison = await new StorageQueue(
      parseConnectionString(azurite.connectionString),
      POISON_QUEUE,
    ).peek();
    const message = poison
      .map((m) => JSON.parse(Buffer.from(m.text, 'base64').toString()) as Record<string, unknown>)
      .find((m) => m.BlobName === 'bad.png');
    expect(message).toMatchObject({ FunctionId: 'Host.Functions.alwaysFails', ContainerName: 'eg-fail' });
    // Poisoned is handled: the same event again is not run again.
    const again = await post([gridEvent(blob)], { functionName: 'Host.Functions.alwaysFails' });
    expect(await again.json()).toMatchObject({ queued: 0, ignored: 1 });
  });

  it('keeps an event for a newer version that arrives while the older one runs, and runs it after', async () => {
    const container = service.getContainerClient('eg-in');
    let release!: () => void;
    gate = new Promise<void>((r) => (release = r));
    const held = new Promise<void>((r) => (entered = r));
    const v1 = await uploaded(container, 'busy.png', 5);
    expect(await (await post([gridEvent(v1)])).json()).toMatchObject({ queued: 1 });
    await held;
    const v2 = await uploaded(container, 'busy.png', 6);
    expect(await (await post([gridEvent(v2)])).json()).toMatchObject({ deferred: 1 });
    release();
    await source.idle();
    expect(calls.filter((c) => c.startsWith('busy.png'))).toEqual(['busy.png:5', 'busy.png:6']);
  });
});

describe('local announcer (Azurite sends no events)', () => {
  it('posts a BlobCreated event to the webhook for each new blob version, so uploads just work', async () => {
    const seen: string[] = [];
    const announced = await startBlobSource({
      connectionString: azurite.connectionString,
      hostId: 'announcer-test',
      logger: pino({ level: 'silent' }),
      pollIntervalMs: 20,
      webhookPort: 0,
      functions: [
        eventFunction('announced', 'ann-in', (blob: unknown, context) => {
          seen.push(`${String(context.triggerMetadata?.name)}:${(blob as Buffer).length}`);
          return { ok: true };
        }),
      ],
    });
    try {
      expect(announced.describe().join('\n')).toContain('announced to it every 20 ms');
      const container = service.getContainerClient('ann-in');
      await uploaded(container, 'a.png', 1);
      await uploaded(container, 'nested/b.png', 2);
      await announced.idle();
      expect(seen.sort()).toEqual(['a.png:1', 'nested/b.png:2']);
      await uploaded(container, 'a.png', 3);
      await announced.idle();
      await announced.idle();
      expect(seen.sort()).toEqual(['a.png:1', 'a.png:3', 'nested/b.png:2']);
    } finally {
      await announced.close();
    }
  });
});
