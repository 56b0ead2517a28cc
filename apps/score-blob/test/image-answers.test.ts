// A model with postprocessing.image on the blob trigger, end to end on real Azurite: the local blob source
// mounts the app's definitions, and the mask is written as a PNG beside the JSON record that points to it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { startAzurite, startBlobSource, type BlobSource, type RunningAzurite } from '@modelfn/local-host';
import { maskModel } from '@modelfn/model-builder';
import { createScorer, readSettings, type Scorer } from '@modelfn/scoring';
import { pino } from 'pino';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createBlobFunctions, type BlobPrediction } from '../src/functions.js';

let azurite: RunningAzurite;
let scorer: Scorer;
let source: BlobSource;
let root: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'modelfn-blob-images-'));
  mkdirSync(join(root, 'seg', '1'), { recursive: true });
  writeFileSync(join(root, 'seg', '1', 'model.onnx'), maskModel(8));
  writeFileSync(
    join(root, 'seg', 'config.json'),
    JSON.stringify({
      preprocessing: { image: { width: 8, height: 8, resize: 'crop' } },
      postprocessing: { image: { output: 'mask' } },
    }),
  );
  [azurite, scorer] = await Promise.all([
    startAzurite({ blobPort: 0, queuePort: 0, tablePort: 0 }),
    createScorer({ ...readSettings({}), modelRepository: root, cacheMode: 'memory' }),
  ]);
  source = await startBlobSource({
    functions: createBlobFunctions({
      scorer: async () => scorer,
      inputContainer: 'in-images',
      outputContainer: 'out-images',
    }),
    connectionString: azurite.connectionString,
    hostId: 'blob-image-test',
    logger: pino({ level: 'silent' }),
    pollIntervalMs: 25,
    retryDelayMs: 10,
  });
});
afterAll(async () => {
  await source?.close();
  await scorer?.close();
  await azurite?.stop();
  rmSync(root, { recursive: true, force: true });
});

it('writes predictions/{name}.png beside the record, at the blob image size, and the record points to it', async () => {
  const service = BlobServiceClient.fromConnectionString(azurite.connectionString);
  const input = service.getContainerClient('in-images');
  const output = service.getContainerClient('out-images');
  await input.createIfNotExists();
  // White 32x16: the crop keeps its centre (x 8..24), so the mask is white there and empty elsewhere.
  const photo = await sharp({ create: { width: 32, height: 16, channels: 3, background: '#ffffff' } })
    .png()
    .toBuffer();
  await input.getBlockBlobClient('photo.png').uploadData(photo, {
    blobHTTPHeaders: { blobContentType: 'image/png' },
    metadata: { model: 'seg' },
  });
  await source.idle();
  const record = JSON.parse(
    (await output.getBlobClient('photo.png.json').downloadToBuffer()).toString(),
  ) as BlobPrediction;
  expect(record).toMatchObject({
    blob: 'in-images/photo.png',
    model: 'seg',
    image: {
      blob: 'out-images/photo.png.png',
      contentType: 'image/png',
      width: 32,
      height: 16,
      output: 'mask',
      mode: 'mask',
    },
    cache: 'miss',
  });
  expect(record).not.toHaveProperty('outputs');
  const png = await output.getBlobClient('photo.png.png').downloadToBuffer();
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  expect([info.width, info.height]).toEqual([32, 16]);
  const at = (x: number, y: number) => data[(y * info.width + x) * info.channels];
  expect([at(2, 8), at(16, 8), at(29, 8)]).toEqual([0, 255, 0]);

  // Metadata accept: application/json keeps the tensors in the record, and no image is written.
  await input.getBlockBlobClient('tensors.png').uploadData(photo, {
    blobHTTPHeaders: { blobContentType: 'image/png' },
    metadata: { model: 'seg', accept: 'application/json' },
  });
  await source.idle();
  const tensors = JSON.parse(
    (await output.getBlobClient('tensors.png.json').downloadToBuffer()).toString(),
  ) as BlobPrediction;
  expect(Object.keys(tensors.outputs as object)).toEqual(['mask', 'half', 'image']);
  expect(await output.getBlobClient('tensors.png.png').exists()).toBe(false);
});
