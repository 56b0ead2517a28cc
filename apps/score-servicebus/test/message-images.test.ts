// A model with postprocessing.image over Service Bus (the AMQP emulator, the real client): the reply is the
// image, with its content type, and what it is as application properties.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InvocationContext } from '@azure/functions';
import { maskModel } from '@modelfn/model-builder';
import { createScorer, readSettings, type Scorer } from '@modelfn/scoring';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { scoreMessages } from '../src/score-messages.js';
import { receive, startAppOnEmulator, type AppOnEmulator } from './support/app-on-emulator.js';

let app: AppOnEmulator | undefined;
let scorer: Scorer;
let root: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'modelfn-sb-images-'));
  mkdirSync(join(root, 'cutout', '1'), { recursive: true });
  writeFileSync(join(root, 'cutout', '1', 'model.onnx'), maskModel(8));
  writeFileSync(
    join(root, 'cutout', 'config.json'),
    JSON.stringify({
      preprocessing: { image: { width: 8, height: 8, resize: 'fit' } },
      postprocessing: { image: { mode: 'alpha' } },
    }),
  );
  scorer = await createScorer(readSettings({ MODEL_REPOSITORY: root, CACHE_MODE: 'memory' }));
  app = await startAppOnEmulator(
    (messages: unknown, context: InvocationContext) =>
      scoreMessages(messages as unknown[], context, true, scorer),
    { maxConcurrentCalls: 2 },
  );
});
afterAll(async () => {
  await app?.close();
  await scorer?.close();
  rmSync(root, { recursive: true, force: true });
});

it('replies the cut-out PNG to an image message, JSON when its accept property says so', async () => {
  const raw = Buffer.alloc(20 * 10 * 3);
  for (let i = 0; i < 200; i++) raw.set(i % 20 < 10 ? [255, 255, 255] : [90, 0, 0], i * 3);
  const photo = await sharp(raw, { raw: { width: 20, height: 10, channels: 3 } })
    .png()
    .toBuffer();
  const sender = app!.client.createSender('scoring-requests');
  await sender.sendMessages([
    {
      body: photo,
      contentType: 'image/png',
      correlationId: 'img',
      applicationProperties: { model: 'cutout' },
    },
    {
      body: photo,
      contentType: 'image/png',
      correlationId: 'webp',
      applicationProperties: { model: 'cutout', accept: 'image/webp' },
    },
    {
      body: photo,
      contentType: 'image/png',
      correlationId: 'json',
      applicationProperties: { model: 'cutout', accept: 'application/json' },
    },
  ]);
  await sender.close();
  const replies = await receive(app!.client, 'scoring-replies', 3);
  const byId = new Map(replies.map((r) => [r.correlationId, r]));

  const img = byId.get('img')!;
  expect(img.contentType).toBe('image/png');
  expect(img.applicationProperties).toMatchObject({
    status: 'ok',
    model: 'cutout',
    version: '1',
    contentType: 'image/png',
    width: 20,
    height: 10,
    output: 'mask',
    mode: 'alpha',
  });
  const { data, info } = await sharp(Buffer.from(img.body as Uint8Array))
    .raw()
    .toBuffer({ resolveWithObject: true });
  expect([info.width, info.height, info.channels]).toEqual([20, 10, 4]);
  const at = (x: number, y: number) => [...data.subarray((y * 20 + x) * 4, (y * 20 + x + 1) * 4)];
  expect(at(2, 5)).toEqual([255, 255, 255, 255]);
  // The sent pixels as sent; alpha the mask, the mean of the channels (30), within libvips' rounding.
  const [r, g, b, alpha] = at(17, 5);
  expect([r, g, b]).toEqual([90, 0, 0]);
  expect(Math.abs(alpha - 30)).toBeLessThanOrEqual(1);

  expect(byId.get('webp')!.contentType).toBe('image/webp');
  expect((await sharp(Buffer.from(byId.get('webp')!.body as Uint8Array)).metadata()).format).toBe('webp');

  const json = byId.get('json')!;
  expect(json.contentType).toBe('application/json');
  expect(Object.keys((json.body as { predictions: object[] }).predictions[0])).toEqual([
    'mask',
    'half',
    'image',
  ]);
});
