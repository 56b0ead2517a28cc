// A model with postprocessing.image on the Storage Queue app, end to end on Azurite: the reply carries the
// image as the request carries one (`base64` and `contentType`), or, over the message limit, points to the
// image written as a blob with its content type.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import {
  parseConnectionString,
  startAzurite,
  startQueueSource,
  StorageQueue,
  type QueueSource,
  type RunningAzurite,
} from '@modelfn/local-host';
import { maskModel } from '@modelfn/model-builder';
import { createScorer, readSettings, type Scorer } from '@modelfn/scoring';
import { pino } from 'pino';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createQueueFunctions, hostJsonPath, type QueueAppOptions } from '../src/functions.js';

interface Reply {
  status: string;
  correlationId?: string;
  model?: string;
  contentType?: string;
  base64?: string;
  image?: { contentType: string; width: number; height: number; output: string };
  predictions?: Record<string, unknown>[];
  answerBlob?: { container: string; name: string; url: string; contentType?: string };
}

let azurite: RunningAzurite;
let scorer: Scorer;
let root: string;
const sources: QueueSource[] = [];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'modelfn-queue-images-'));
  mkdirSync(join(root, 'seg', '1'), { recursive: true });
  writeFileSync(join(root, 'seg', '1', 'model.onnx'), maskModel(8));
  writeFileSync(
    join(root, 'seg', 'config.json'),
    JSON.stringify({ preprocessing: { image: { width: 8, height: 8 } }, postprocessing: { image: {} } }),
  );
  [azurite, scorer] = await Promise.all([
    startAzurite({ blobPort: 0, queuePort: 0, tablePort: 0 }),
    createScorer(readSettings({ MODEL_REPOSITORY: root, CACHE_MODE: 'memory' })),
  ]);
  process.env.AzureWebJobsStorage = azurite.connectionString;
});
afterAll(async () => {
  await Promise.all(sources.map((s) => s.close()));
  await scorer?.close();
  await azurite?.stop();
  rmSync(root, { recursive: true, force: true });
});

const queue = (name: string) => new StorageQueue(parseConnectionString(azurite.connectionString), name);

async function replies(name: string, n: number, ms = 20_000): Promise<Reply[]> {
  const q = queue(name);
  const out: Reply[] = [];
  const until = Date.now() + ms;
  while (out.length < n && Date.now() < until) {
    const got = await q.receive(32, 60);
    for (const m of got) {
      out.push(JSON.parse(Buffer.from(m.text, 'base64').toString('utf8')) as Reply);
      await q.delete(m.messageId, m.popReceipt);
    }
    if (got.length === 0) await new Promise((r) => setTimeout(r, 100));
  }
  return out;
}

async function app(tag: string, opts: Partial<QueueAppOptions> = {}) {
  const names = { requests: `${tag}-requests`, replies: `${tag}-replies` };
  sources.push(
    await startQueueSource({
      functions: createQueueFunctions({
        scorer: async () => scorer,
        requestQueue: names.requests,
        replyQueue: names.replies,
        ...opts,
      }),
      settings: { AzureWebJobsStorage: azurite.connectionString },
      hostJsonPath,
      maxPollingIntervalMs: 200,
      logger: pino({ level: 'silent' }),
    }),
  );
  const requests = queue(names.requests);
  await requests.createIfNotExists();
  const send = (message: object) => requests.send(Buffer.from(JSON.stringify(message)).toString('base64'));
  return { ...names, send };
}

const photo = () =>
  sharp({ create: { width: 24, height: 12, channels: 3, background: '#ffffff' } })
    .png()
    .toBuffer();

async function mask(png: Buffer) {
  const { info, data } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, values: new Set(data) };
}

it('replies the mask as base64 with its content type, or JSON when the envelope accepts it', async () => {
  const { send, replies: replyQueue } = await app('images');
  const base64 = (await photo()).toString('base64');
  await send({ model: 'seg', contentType: 'image/png', base64, correlationId: 'img' });
  await send({
    model: 'seg',
    contentType: 'image/png',
    base64,
    correlationId: 'json',
    accept: 'application/json',
  });
  const got = await replies(replyQueue, 2);
  const by = Object.fromEntries(got.map((r) => [r.correlationId, r]));
  expect(by.img).toMatchObject({
    status: 'ok',
    model: 'seg',
    contentType: 'image/png',
    image: { contentType: 'image/png', width: 24, height: 12, output: 'mask' },
  });
  expect(await mask(Buffer.from(by.img.base64!, 'base64'))).toEqual({
    width: 24,
    height: 12,
    values: new Set([255]),
  });
  expect(by.json.base64).toBeUndefined();
  expect(Object.keys(by.json.predictions![0])).toEqual(['mask', 'half', 'image']);
});

it('writes an image over the message limit as an image blob and replies its address', async () => {
  const { send, replies: replyQueue } = await app('large-images', { maxMessageBytes: 200 });
  await send({
    model: 'seg',
    contentType: 'image/png',
    base64: (await photo()).toString('base64'),
    correlationId: 'big',
  });
  const [reply] = await replies(replyQueue, 1);
  expect(reply).toMatchObject({
    status: 'ok',
    correlationId: 'big',
    model: 'seg',
    image: { width: 24, height: 12 },
    answerBlob: {
      container: 'queue-answers',
      name: expect.stringMatching(/\.png$/),
      contentType: 'image/png',
    },
  });
  expect(reply.base64).toBeUndefined();
  const blob = BlobServiceClient.fromConnectionString(azurite.connectionString)
    .getContainerClient(reply.answerBlob!.container)
    .getBlobClient(reply.answerBlob!.name);
  expect((await blob.getProperties()).contentType).toBe('image/png');
  expect((await mask(await blob.downloadToBuffer())).width).toBe(24);
});
