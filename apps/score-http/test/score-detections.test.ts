import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectionModel, yolov8Output } from '@modelfn/model-builder';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type AppUnderTest } from './support/app-host.js';
import { call, postBytes } from './support/http.js';

// `POST /score` with an image for a detector (config.json postprocessing.detection): the answer is one list
// of `{label, score, box}` per image, boxes in the sent image's pixels. The model, built in code, answers
// known YOLOv8 boxes in its 64x64 input; the 128x64 image is letterboxed (scale 0.5, 16 rows of padding
// above), so sent x = 2x, sent y = 2 (y - 16).
let app: AppUnderTest;
let root: string;
let photo: Buffer;

const BOXES = [
  { box: [10, 20, 30, 40], cls: 0, score: 0.9 }, // kept: [20, 8, 60, 48]
  { box: [12, 22, 32, 42], cls: 0, score: 0.8 }, // IoU 0.68 with the first, same class: suppressed
  { box: [11, 21, 31, 41], cls: 1, score: 0.7 }, // another class: kept, [22, 10, 62, 50]
  { box: [40, 0, 50, 10], cls: 1, score: 0.95 }, // in the padding: no detection
  { box: [50, 40, 70, 60], cls: 1, score: 0.6 }, // past the right edge: clipped to [100, 48, 128, 64]
] as { box: [number, number, number, number]; cls: number; score: number }[];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'modelfn-detect-'));
  mkdirSync(join(root, 'detector', '1'), { recursive: true });
  const onnx = detectionModel({ width: 64, height: 64, outputs: [yolov8Output(BOXES, 2)] });
  writeFileSync(join(root, 'detector', '1', 'model.onnx'), onnx);
  writeFileSync(
    join(root, 'detector', 'config.json'),
    JSON.stringify({
      preprocessing: { image: { width: 64, height: 64, resize: 'fit' } },
      postprocessing: { detection: { layout: 'yolov8' } },
    }),
  );
  writeFileSync(join(root, 'detector', 'labels.txt'), 'person\nbicycle\n');
  photo = await sharp({ create: { width: 128, height: 64, channels: 3, background: '#336699' } })
    .png()
    .toBuffer();
  app = await startApp({ modelRepository: root });
});
afterAll(async () => {
  await app.close();
  rmSync(root, { recursive: true, force: true });
});

const expected = [
  [
    { label: 'person', score: 0.9, box: [20, 8, 60, 48] },
    { label: 'bicycle', score: 0.7, box: [22, 10, 62, 50] },
    { label: 'bicycle', score: 0.6, box: [100, 48, 128, 64] },
  ],
];

describe('POST /score for a detector', () => {
  it('answers the detections of the sent image, after NMS, in its pixels; the same from the cache', async () => {
    const first = await postBytes(`${app.url}/score`, photo, 'image/png', { 'x-model': 'detector' });
    expect(first.status).toBe(200);
    expect(first.headers.get('x-cache')).toBe('miss');
    expect(first.body).toEqual(expected);
    const again = await postBytes(`${app.url}/score`, photo, 'image/png', { 'x-model': 'detector' });
    expect(again.headers.get('x-cache')).toBe('hit');
    expect(again.body).toEqual(expected);
  });

  it('answers the raw tensor when the request selects the output', async () => {
    const r = await postBytes(`${app.url}/score?outputs=output0`, photo, 'image/png', {
      'x-model': 'detector',
    });
    expect(r.status).toBe(200);
    const [item] = r.body as { output0: number[][] }[];
    expect(item.output0).toHaveLength(4 + 2);
    expect(item.output0[0]).toHaveLength(BOXES.length);
  });
});

describe('GET /swagger.json for a detector', () => {
  it("documents /score's answer as a list of {label, score, box} per image, labels enumerated", async () => {
    type Doc = { paths: Record<string, { post: { responses: Record<string, unknown> } }> };
    const r = await call<Doc>(`${app.url}/swagger.json`);
    const ok = r.body.paths['/score'].post.responses['200'] as {
      content: {
        'application/json': { schema: { items: { items: { properties: Record<string, unknown> } } } };
      };
    };
    const item = ok.content['application/json'].schema.items.items;
    expect(Object.keys(item.properties)).toEqual(['label', 'score', 'box']);
    expect(item.properties.label).toEqual({ enum: ['person', 'bicycle'] });
    expect(item.properties.box).toMatchObject({ minItems: 4, maxItems: 4 });
  });
});
