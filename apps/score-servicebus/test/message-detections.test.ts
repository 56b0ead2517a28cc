// A message with an image for a detector is answered with its detections, one list per image under
// `predictions`, boxes in the sent image's pixels.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replyContent, scoreRequests } from '@modelfn/functions';
import { detectionModel, yolov5Output } from '@modelfn/model-builder';
import { createScorer, readSettings, type Scorer } from '@modelfn/scoring';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { messageRequest } from '../src/message-input.js';

let root: string;
let scorer: Scorer;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'modelfn-sb-detect-'));
  mkdirSync(join(root, 'detector', '1'), { recursive: true });
  const output = yolov5Output(
    [
      { box: [2, 2, 10, 10], cls: 0, score: 0.9 },
      { box: [2, 2, 10, 10], cls: 0, score: 0.3 }, // the same box, worse: suppressed
      { box: [8, 8, 16, 16], cls: 0, score: 0.6, objectness: 0.75 }, // IoU 4 / 124: kept
    ],
    1,
  );
  writeFileSync(
    join(root, 'detector', '1', 'model.onnx'),
    detectionModel({ width: 16, height: 16, outputs: [output] }),
  );
  writeFileSync(
    join(root, 'detector', 'config.json'),
    JSON.stringify({
      preprocessing: { image: { width: 16, height: 16 } },
      postprocessing: { detection: { layout: 'yolov5', labels: ['face'] } },
    }),
  );
  scorer = await createScorer({ ...readSettings({}), modelRepository: root, cacheMode: 'memory' });
});
afterAll(async () => {
  await scorer.close();
  rmSync(root, { recursive: true, force: true });
});

it('replies with the detections of the image in the message, per message of a batch', async () => {
  // 64x32 stretched to 16x16: sent x = 4x, sent y = 2y.
  const png = (w: number, h: number) =>
    sharp({ create: { width: w, height: h, channels: 3, background: '#202020' } })
      .png()
      .toBuffer();
  const [wide, square] = await Promise.all([png(64, 32), png(16, 16)]);
  const meta = (messageId: string) => ({
    messageId,
    contentType: 'image/png',
    applicationProperties: { model: 'detector' },
  });
  const out = await scoreRequests(scorer, [
    messageRequest(wide, meta('m1')),
    messageRequest(square, meta('m2')),
  ]);
  expect(replyContent(out[0], 'm1')).toMatchObject({
    properties: { status: 'ok' },
    body: {
      correlationId: 'm1',
      predictions: [
        [
          { label: 'face', score: 0.9, box: [8, 4, 40, 20] },
          { label: 'face', score: 0.6, box: [32, 16, 64, 32] },
        ],
      ],
    },
  });
  expect(replyContent(out[1], 'm2').body).toMatchObject({
    predictions: [
      [
        { label: 'face', score: 0.9, box: [2, 2, 10, 10] },
        { label: 'face', score: 0.6, box: [8, 8, 16, 16] },
      ],
    ],
  });
});
