// A queue message carrying an image (base64 in the envelope) for a detector is answered with its
// detections under `predictions`, boxes in the sent image's pixels.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replyContent, scoreRequest } from '@modelfn/functions';
import { detectionModel, yolov8Output } from '@modelfn/model-builder';
import { createScorer, readSettings, type Scorer } from '@modelfn/scoring';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { messageRequest } from '../src/message-input.js';

let root: string;
let scorer: Scorer;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'modelfn-queue-detect-'));
  mkdirSync(join(root, 'detector', '1'), { recursive: true });
  const output = yolov8Output(
    [
      { box: [0, 0, 8, 8], cls: 1, score: 0.8 },
      { box: [0, 0, 8, 8], cls: 0, score: 0.7 }, // the same place, another class: kept (per-class NMS)
    ],
    2,
  );
  writeFileSync(
    join(root, 'detector', '1', 'model.onnx'),
    detectionModel({ width: 16, height: 16, outputs: [output] }),
  );
  writeFileSync(
    join(root, 'detector', 'config.json'),
    JSON.stringify({
      preprocessing: { image: { width: 16, height: 16, resize: 'fit' } },
      postprocessing: { detection: { layout: 'yolov8', labels: ['cup', 'plate'] } },
    }),
  );
  scorer = await createScorer({ ...readSettings({}), modelRepository: root, cacheMode: 'memory' });
});
afterAll(async () => {
  await scorer.close();
  rmSync(root, { recursive: true, force: true });
});

it('replies with the detections of the base64 image in the envelope', async () => {
  // 32x64 letterboxed into 16x16: scale 0.25, 4 columns of padding left: sent x = 4 (x - 4), y = 4y.
  const image = await sharp({ create: { width: 32, height: 64, channels: 3, background: '#aa3322' } })
    .png()
    .toBuffer();
  const req = messageRequest(
    { model: 'detector', base64: image.toString('base64'), contentType: 'image/png' },
    { messageId: 'q1' },
  );
  const reply = replyContent(await scoreRequest(scorer, req), 'q1');
  expect(reply.body).toMatchObject({
    predictions: [
      [
        { label: 'plate', score: 0.8, box: [0, 0, 16, 32] },
        { label: 'cup', score: 0.7, box: [0, 0, 16, 32] },
      ],
    ],
  });
});
