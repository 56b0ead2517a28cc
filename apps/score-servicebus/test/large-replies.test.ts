// Replies larger than a message on the reply queue may be (the emulator enforces the queue's max message
// size as Service Bus does), with the real client: the answer is written to a blob on AzureWebJobsStorage
// (Azurite) and the reply names it; without storage an error reply says why. Replies that each fit but not
// together go in several batches; on a queue that takes messages over 1 MB (Premium) a large one goes alone.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvocationContext } from '@azure/functions';
import { BlobServiceClient } from '@azure/storage-blob';
import { startAzurite, type RunningAzurite } from '@modelfn/local-host';
import { maskModel } from '@modelfn/model-builder';
import { createScorer, readSettings, type Scorer } from '@modelfn/scoring';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { scoreMessages } from '../src/score-messages.js';
import { receive, startAppOnEmulator, type AppOnEmulator } from './support/app-on-emulator.js';

const LIMIT = 16 * 1024;

let app: AppOnEmulator;
let azurite: RunningAzurite;
let scorer: Scorer;
let root: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'modelfn-sb-large-'));
  mkdirSync(join(root, 'cutout', '1'), { recursive: true });
  writeFileSync(join(root, 'cutout', '1', 'model.onnx'), maskModel(8));
  writeFileSync(
    join(root, 'cutout', 'config.json'),
    JSON.stringify({
      preprocessing: { image: { width: 8, height: 8 } },
      postprocessing: { image: { mode: 'alpha' } },
    }),
  );
  [azurite, scorer] = await Promise.all([
    startAzurite({ blobPort: 0, queuePort: 0, tablePort: 0 }),
    createScorer(readSettings({ MODEL_REPOSITORY: root, CACHE_MODE: 'memory' })),
  ]);
  process.env.AzureWebJobsStorage = azurite.connectionString;
  app = await startAppOnEmulator(
    (messages: unknown, context: InvocationContext) =>
      scoreMessages(messages as unknown[], context, true, scorer),
    {
      maxConcurrentCalls: 1,
      queueOptions: {
        'scoring-replies': { maxMessageSizeBytes: LIMIT },
        premium: { maxMessageSizeBytes: 4 * 1024 * 1024 },
      },
    },
  );
});
afterEach(() => {
  process.env.AzureWebJobsStorage = azurite.connectionString;
});
afterAll(async () => {
  await app?.close();
  await scorer?.close();
  await azurite?.stop();
  delete process.env.AzureWebJobsStorage;
  rmSync(root, { recursive: true, force: true });
});

/** A PNG photo of noise (a fixed sequence): its cut-out does not compress below the raw pixels' size. */
async function noisyPhoto(width: number, height: number): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  let x = 12345;
  for (let i = 0; i < raw.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    raw[i] = x >>> 24;
  }
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

/** The app's handler called directly with a batch of messages, as the host would with cardinality many. */
async function invoke(
  messages: { body: unknown; id: string; props: Record<string, unknown>; type: string }[],
) {
  const context = new InvocationContext({
    invocationId: 'large-replies',
    functionName: 'scoreQueue',
    triggerMetadata: {
      messageIdArray: messages.map((m) => m.id),
      correlationIdArray: messages.map((m) => m.id),
      contentTypeArray: messages.map((m) => m.type),
      applicationPropertiesArray: messages.map((m) => m.props),
      replyToArray: messages.map((m) => m.props.replyTo ?? ''),
    },
  });
  await scoreMessages(
    messages.map((m) => m.body),
    context,
    true,
    scorer,
  );
}

it('writes a cut-out over the reply queue limit to a blob and replies where it is', async () => {
  const photo = await noisyPhoto(100, 80);
  const sender = app.client.createSender('scoring-requests');
  await sender.sendMessages({
    body: photo,
    contentType: 'image/png',
    messageId: 'big-photo',
    correlationId: 'big',
    applicationProperties: { model: 'cutout' },
  });
  await sender.close();
  const [reply] = await receive(app.client, 'scoring-replies', 1);
  expect(reply.correlationId).toBe('big');
  expect(reply.contentType).toBe('application/json');
  expect(reply.applicationProperties).toMatchObject({ status: 'ok', model: 'cutout', version: '1' });
  const body = reply.body as {
    status: string;
    model: string;
    image: Record<string, unknown>;
    answerBlob: { container: string; name: string; url: string; contentType: string; bytes: number };
  };
  expect(body).toMatchObject({
    status: 'ok',
    model: 'cutout',
    image: { contentType: 'image/png', width: 100, height: 80, output: 'mask', mode: 'alpha' },
    answerBlob: { container: 'servicebus-answers', name: 'big-photo.png', contentType: 'image/png' },
  });
  expect(body.answerBlob.bytes).toBeGreaterThan(LIMIT);
  expect(body.answerBlob.url).toMatch(/\/servicebus-answers\/big-photo\.png$/);

  const blob = BlobServiceClient.fromConnectionString(azurite.connectionString)
    .getContainerClient('servicebus-answers')
    .getBlockBlobClient('big-photo.png');
  expect((await blob.getProperties()).contentType).toBe('image/png');
  const png = await blob.downloadToBuffer();
  expect(png.length).toBe(body.answerBlob.bytes);
  // The cut-out keeps the sent pixels; the alpha is the mask.
  const cut = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  const sent = await sharp(photo).raw().toBuffer();
  expect([cut.info.width, cut.info.height, cut.info.channels]).toEqual([100, 80, 4]);
  for (const i of [0, 4321, 7999])
    expect([...cut.data.subarray(i * 4, i * 4 + 3)]).toEqual([...sent.subarray(i * 3, i * 3 + 3)]);
  expect(app.emulator.queueDepth('scoring-requests')).toEqual({ active: 0, locked: 0, deadLettered: 0 });
});

it('answers RESPONSE_TOO_LARGE with the sizes when there is no storage for large answers', async () => {
  delete process.env.AzureWebJobsStorage;
  await invoke([
    { id: 'nostore', body: await noisyPhoto(100, 80), type: 'image/png', props: { model: 'cutout' } },
  ]);
  const [reply] = await receive(app.client, 'scoring-replies', 1);
  expect(reply.correlationId).toBe('nostore');
  expect(reply.applicationProperties).toMatchObject({ status: 'error', code: 'RESPONSE_TOO_LARGE' });
  const { error, code } = reply.body as { error: string; code: string };
  expect(code).toBe('RESPONSE_TOO_LARGE');
  expect(error).toMatch(
    new RegExp(
      `^the answer \\(\\d+ bytes of image/png\\) is larger than a message on queue scoring-replies may be \\(${LIMIT} bytes\\), and no storage is configured for large answers \\(AzureWebJobsStorage\\)`,
    ),
  );
  expect(error).toContain('use the blob trigger');
});

it('sends replies that fit one by one but not together in several batches', async () => {
  // Each JSON reply (every output of an 8x8 image) is a few kB: six are more than one 16 KiB batch.
  const small = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } })
    .png()
    .toBuffer();
  const messages = Array.from({ length: 6 }, (_, i) => ({
    id: `json-${i}`,
    body: small,
    type: 'image/png',
    props: { model: 'cutout', accept: 'application/json' },
  }));
  await invoke(messages);
  const replies = await receive(app.client, 'scoring-replies', 6);
  expect(replies.map((r) => r.correlationId).sort()).toEqual(messages.map((m) => m.id).sort());
  const total = replies.reduce((n, r) => n + Buffer.byteLength(JSON.stringify(r.body)), 0);
  expect(total).toBeGreaterThan(LIMIT);
  for (const r of replies) {
    expect(r.applicationProperties?.status).toBe('ok');
    expect(Object.keys((r.body as { predictions: object[] }).predictions[0])).toEqual([
      'mask',
      'half',
      'image',
    ]);
  }
});

it('sends a reply over 1 MB alone to a queue that takes it (Premium), not to a blob', async () => {
  await invoke([
    {
      id: 'premium-photo',
      body: await noisyPhoto(600, 600),
      type: 'image/png',
      props: { model: 'cutout', replyTo: 'premium' },
    },
  ]);
  const [reply] = await receive(app.client, 'premium', 1);
  expect(reply.contentType).toBe('image/png');
  const png = Buffer.from(reply.body as Uint8Array);
  expect(png.length).toBeGreaterThan(1024 * 1024);
  expect((await sharp(png).metadata()).width).toBe(600);
});
