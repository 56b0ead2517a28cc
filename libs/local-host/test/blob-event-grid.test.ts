// A blob trigger with `source: 'EventGrid'` on real Azurite: run by events posted to the webhook (the
// handshake, BlobCreated), never by polling, with the same receipts as the polled trigger.
import azureFunctions from '@azure/functions';
import { BlobServiceClient } from '@azure/storage-blob';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, startBlobSource, type BlobSource, type RunningAzurite } from '../src/index.js';

const { output } = azureFunctions;
let azurite: RunningAzurite;
let source: BlobSource;
let service: BlobServiceClient;
const calls: string[] = [];

beforeAll(async () => {
  azurite = await startAzurite({ blobPort: 0, queuePort: 0, tablePort: 0 });
  service = BlobServiceClient.fromConnectionString(azurite.connectionString);
  source = await startBlobSource({
    connectionString: azurite.connectionString,
    hostId: 'event-grid-test',
    logger: pino({ level: 'silent' }),
    pollIntervalMs: 20,
    webhookPort: 0,
    functions: [
      {
        name: 'onEvent',
        options: {
          path: 'eg-in/{name}',
          connection: 'Storage',
          source: 'EventGrid',
          return: output.storageBlob({ path: 'eg-out/{name}.json', connection: 'Storage' }),
          handler: (blob: unknown, context) => {
            calls.push(String(context.triggerMetadata?.name));
            return { bytes: (blob as Buffer).length };
          },
        },
      },
    ],
  });
});

afterAll(async () => {
  await source?.close();
  await azurite?.stop();
});

function post(body: unknown, functionName = 'Host.Functions.onEvent'): Promise<Response> {
  return fetch(`${source.webhookUrl}?functionName=${functionName}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'aeg-event-type': 'Notification' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('Event Grid blob trigger', () => {
  it('answers the subscription handshake with the validation code', async () => {
    const res = await post([
      { eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent', data: { validationCode: 'abc-123' } },
    ]);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ validationResponse: 'abc-123' });
    expect(source.describe().join('\n')).toContain(
      `${source.webhookUrl}?functionName=Host.Functions.onEvent`,
    );
  });

  it('runs the function for a BlobCreated event, once per blob version, and never by polling', async () => {
    const container = service.getContainerClient('eg-in');
    await container.createIfNotExists();
    const blob = container.getBlockBlobClient('dir/a b.png');
    const uploaded = await blob.uploadData(Buffer.alloc(9));
    await source.idle();
    expect(calls).toEqual([]);

    const event = {
      eventType: 'Microsoft.Storage.BlobCreated',
      subject: '/blobServices/default/containers/eg-in/blobs/dir/a b.png',
      data: { api: 'PutBlob', url: blob.url, eTag: uploaded.etag, contentType: 'image/png' },
    };
    const other = { ...event, eventType: 'Microsoft.Storage.BlobDeleted' };
    const res = await post([event, other]);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ queued: 1, ignored: 1 });
    await source.idle();
    expect(calls).toEqual(['dir/a b.png']);
    const result = await service
      .getContainerClient('eg-out')
      .getBlobClient('dir/a b.png.json')
      .downloadToBuffer();
    expect(JSON.parse(result.toString())).toEqual({ bytes: 9 });

    // A repeated delivery (Event Grid is at least once) finds the receipt.
    expect(await (await post([event])).json()).toEqual({ queued: 0, ignored: 1 });
    await source.idle();
    expect(calls).toHaveLength(1);
  });

  it('refuses an unknown function and a body that is not JSON', async () => {
    expect((await post([], 'Host.Functions.nope')).status).toBe(404);
    const bad = await post('{not json');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'INVALID_EVENTS' });
  });
});
