// A detector's blob record: `detections`, `[{label, score, box}]` in the blob image's pixels.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvocationContext, output } from '@azure/functions';
import { detectionModel, separateDetectionOutputs } from '@modelfn/model-builder';
import { createScorer, readSettings, type Scorer } from '@modelfn/scoring';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { scoreBlobHandler } from '../src/score-blob.js';

let root: string;
let scorer: Scorer;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'modelfn-blob-detect-'));
  mkdirSync(join(root, 'detector', '1'), { recursive: true });
  // Separate boxes / scores / classes outputs, xyxy in the 32x32 input's pixels.
  const outputs = separateDetectionOutputs([
    { box: [4, 4, 12, 12], cls: 1, score: 0.9 },
    { box: [5, 5, 13, 13], cls: 1, score: 0.85 }, // IoU 49 / 79 = 0.62 with the first: suppressed
    { box: [20, 8, 40, 16], cls: 0, score: 0.4 }, // past the input's right edge, into what the crop cut
  ]);
  writeFileSync(
    join(root, 'detector', '1', 'model.onnx'),
    detectionModel({ width: 32, height: 32, outputs }),
  );
  writeFileSync(
    join(root, 'detector', 'config.json'),
    JSON.stringify({
      preprocessing: { image: { width: 32, height: 32, resize: 'crop' } },
      postprocessing: { detection: { layout: 'boxes', labels: ['ball', 'shoe'] } },
    }),
  );
  scorer = await createScorer({ ...readSettings({}), modelRepository: root, cacheMode: 'memory' });
});
afterAll(async () => {
  await scorer.close();
  rmSync(root, { recursive: true, force: true });
});

it("writes a detector's detections in the blob image's pixels", async () => {
  // 96x64 centre-cropped to 32x32: scale 0.5 (to 48x32), 8 columns cut on the left: sent = 2 (x + 8), 2 y.
  const image = await sharp({ create: { width: 96, height: 64, channels: 3, background: '#808080' } })
    .png()
    .toBuffer();
  const errorOutput = output.storageBlob({
    path: 'out/{name}.error.json',
    connection: 'AzureWebJobsStorage',
  });
  const context = new InvocationContext({
    triggerMetadata: {
      blobTrigger: 'in/photo.png',
      properties: { contentType: 'image/png' },
      metadata: { model: 'detector' },
    },
  });
  const record = await scoreBlobHandler({ scorer: async () => scorer, errorOutput })(image, context);
  expect(record).toMatchObject({
    blob: 'in/photo.png',
    model: 'detector',
    detections: [
      { label: 'shoe', score: 0.9, box: [24, 8, 40, 24] },
      { label: 'ball', score: 0.4, box: [56, 16, 96, 32] },
    ],
    cache: 'miss',
  });
  expect(record).not.toHaveProperty('outputs');
});
