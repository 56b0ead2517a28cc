import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectionModel } from '@modelfn/model-builder';
import type { DetectedObject } from '../../src/encode/detections.js';
import { predictions, type ModelAnswer, type Scorer } from '../../src/index.js';
import { LABELS, separate, yolov5, yolov8 } from '../support/detection-boxes.js';
import { scorerOver } from './repo.js';

// Detector graphs built in code whose outputs are known boxes (test/support/detection-boxes.ts, in pixels
// of a 64x64 input), answered through the scorer as `[{label, score, box}]` per row in the sent image's
// pixels. Every expected box is written out from the NMS and the mapping worked by hand.

const SIDE = 64;
const pre = (resize: string) => ({ image: { width: SIDE, height: SIDE, resize } });

async function png(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#406080' } })
    .png()
    .toBuffer();
}

/**
 * A 128x64 image letterboxed (fit) into 64x64: scale 0.5, 16 rows of padding above, so sent x = 2 * x and
 * sent y = 2 * (y - 16). Per class, B is suppressed by A; E lies in the padding (dropped); F is clipped to
 * y >= 0 and x <= 128; G is under the score threshold.
 */
const FIT = [
  { label: 'cat', score: 0.9, box: [20, 8, 60, 48] }, // A
  { label: 'dog', score: 0.7, box: [22, 10, 62, 50] }, // C
  { label: 'car', score: 0.6, box: [80, 28, 120, 56] }, // D
  { label: 'dog', score: 0.5, box: [100, 0, 128, 28] }, // F
];

/**
 * A 64x128 image centre-cropped into 64x64: scale 1, rows 32..96 kept, so sent y = y + 32. E is inside
 * the image now (and the best box); F is clipped to x <= 64.
 */
const CROP = [
  { label: 'cat', score: 0.95, box: [40, 32, 50, 42] }, // E
  { label: 'cat', score: 0.9, box: [10, 52, 30, 72] }, // A
  { label: 'dog', score: 0.7, box: [11, 53, 31, 73] }, // C
  { label: 'car', score: 0.6, box: [40, 62, 60, 76] }, // D
  { label: 'dog', score: 0.5, box: [50, 42, 64, 62] }, // F
];

const asPng = { contentType: 'image/png' };

describe('detections', () => {
  let scorer: Scorer;
  let close: () => Promise<void>;
  let wide: Buffer;
  let tall: Buffer;
  beforeAll(async () => {
    [wide, tall] = await Promise.all([png(128, 64), png(64, 128)]);
    const model = (outputs: Parameters<typeof detectionModel>[0]['outputs'], batched = true) =>
      detectionModel({ width: SIDE, height: SIDE, outputs, batched });
    ({ scorer, close } = await scorerOver({
      v5: {
        onnx: model([yolov5()]),
        config: {
          preprocessing: pre('fit'),
          postprocessing: { detection: { layout: 'yolov5', labels: LABELS } },
        },
      },
      v8: {
        onnx: model([yolov8()]),
        config: {
          preprocessing: pre('fit'),
          postprocessing: { detection: { layout: 'yolov8', labels: LABELS, classAgnostic: true } },
        },
      },
      separate: {
        onnx: model(separate()),
        config: {
          preprocessing: pre('crop'),
          postprocessing: { detection: { layout: 'boxes', normalized: true } },
        },
        // The repository's labels convention: labels.txt beside config.json.
        files: { 'labels.txt': LABELS.join('\n') + '\n' },
      },
      strict: {
        onnx: model([yolov8()]),
        config: {
          preprocessing: pre('fit'),
          postprocessing: {
            detection: { layout: 'yolov8', scoreThreshold: 0.65, iouThreshold: 0.9, maxDetections: 2 },
          },
        },
      },
      unbatched: {
        onnx: model([yolov5()], false),
        config: {
          max_batch_size: 0,
          preprocessing: pre('stretch'),
          postprocessing: { detection: { layout: 'yolov5' } },
        },
      },
      nan: {
        onnx: model([
          {
            name: 'boxes',
            datatype: 'FP32',
            dims: [2, 4],
            values: [Number.NaN, 0, 10, 10, 4, 4, 20, 20],
          },
          { name: 'scores', datatype: 'FP32', dims: [2], values: [0.9, 0.8] },
        ]),
        config: { preprocessing: pre('stretch'), postprocessing: { detection: { layout: 'boxes' } } },
      },
      perClass: {
        onnx: model([
          { name: 'boxes', datatype: 'FP32', dims: [2, 4], values: [0, 0, 32, 32, 8, 8, 40, 40] },
          { name: 'scores', datatype: 'FP32', dims: [2, 3], values: [0.1, 0.2, 0.7, 0.6, 0.3, 0.05] },
        ]),
        config: {
          preprocessing: pre('stretch'),
          postprocessing: { detection: { layout: 'boxes', labels: LABELS } },
        },
      },
      both: {
        onnx: model([yolov8()]),
        config: { postprocessing: { image: {}, detection: { layout: 'yolov8' } } },
      },
      wrongLayout: {
        onnx: model([yolov8()]),
        config: { postprocessing: { detection: { layout: 'boxes' } } },
      },
      wrongLabels: {
        onnx: model([yolov5()]),
        config: { postprocessing: { detection: { layout: 'yolov5', labels: ['cat', 'dog'] } } },
      },
      misspelt: {
        onnx: model([yolov5()]),
        config: { postprocessing: { detection: { layout: 'yolov5', iou: 0.5 } } },
      },
    }));
  });
  afterAll(() => close());

  const detect = async (model: string, body: Buffer, contentType = asPng.contentType) =>
    predictions((await scorer.infer({ model, body, contentType })) as ModelAnswer);

  it('YOLOv5 [N, 5+C], letterboxed: per-class NMS, boxes in the sent image, clipped, padding dropped', async () => {
    expect(await detect('v5', wide)).toEqual([FIT]);
  });

  it('a cache hit answers the same detections: the geometry comes from the request, the rows from the cache', async () => {
    const a = (await scorer.infer({ model: 'v5', body: wide, ...asPng })) as ModelAnswer;
    expect(a.cache).toBe('hit');
    expect(a.images).toHaveLength(1);
    expect(predictions(a)).toEqual([FIT]);
  });

  it('each image its own geometry: a tall image letterboxed at the sides', async () => {
    // 64x128 into 64x64: scale 0.5, 16 columns of padding on the left: sent x = 2 * (x - 16), y = 2 * y.
    // F lies in the right padding now (dropped), E in the image.
    expect(await detect('v5', tall)).toEqual([
      [
        { label: 'cat', score: 0.95, box: [48, 0, 64, 20] }, // E
        { label: 'cat', score: 0.9, box: [0, 40, 28, 80] }, // A
        { label: 'dog', score: 0.7, box: [0, 42, 30, 82] }, // C
        { label: 'car', score: 0.6, box: [48, 60, 64, 88] }, // D
      ],
    ]);
  });

  it('a batch of images of different sizes (v2 BYTES inputs): each row mapped with its own image', async () => {
    const v2 = {
      inputs: [
        {
          name: 'x',
          datatype: 'BYTES',
          shape: [2],
          data: [wide.toString('base64'), tall.toString('base64')],
        },
      ],
    };
    const [first, second] = await detect('v5', Buffer.from(JSON.stringify(v2)), 'application/json');
    expect(first).toEqual(FIT);
    expect((second as DetectedObject[]).map((d) => d.box)).toEqual([
      [48, 0, 64, 20],
      [0, 40, 28, 80],
      [0, 42, 30, 82],
      [48, 60, 64, 88],
    ]);
  });

  it('YOLOv8 [4+C, N], class-agnostic: the dog under the cat is suppressed too', async () => {
    expect(await detect('v8', wide)).toEqual([[FIT[0], FIT[2], FIT[3]]]);
  });

  it('separate boxes / scores / classes, normalised 0..1, centre crop, labels from labels.txt', async () => {
    expect(await detect('separate', tall)).toEqual([CROP]);
  });

  it('score threshold, IoU threshold and max detections from config', async () => {
    // Scores >= 0.65: A, B, C, E; E is dropped (padding); IoU(A, B) = 0.68 <= 0.9 keeps B; two kept.
    expect(await detect('strict', wide)).toEqual([
      [
        { label: 0, score: 0.9, box: [20, 8, 60, 48] },
        { label: 0, score: 0.8, box: [24, 12, 64, 52] },
      ],
    ]);
  });

  it('rows sent as tensors are in model-input pixels, clipped to the input; a selection answers tensors', async () => {
    const row = {
      data: [Array.from({ length: 3 }, () => Array.from({ length: SIDE }, () => new Array(SIDE).fill(0)))],
    };
    const json = Buffer.from(JSON.stringify(row));
    expect(await detect('v5', json, 'application/json')).toEqual([
      [
        { label: 'cat', score: 0.95, box: [40, 0, 50, 10] },
        { label: 'cat', score: 0.9, box: [10, 20, 30, 40] },
        { label: 'dog', score: 0.7, box: [11, 21, 31, 41] },
        { label: 'car', score: 0.6, box: [40, 30, 60, 44] },
        { label: 'dog', score: 0.5, box: [50, 10, 64, 30] },
      ],
    ]);
    const selected = (await scorer.infer({
      model: 'v5',
      body: wide,
      ...asPng,
      outputs: ['output0'],
    })) as ModelAnswer;
    const [tensors] = predictions(selected) as Record<string, unknown>[];
    expect(Object.keys(tensors)).toEqual(['output0']);
  });

  it('an unbatched model ([1, N, 5+C]), stretched: class indices without labels', async () => {
    // 128x64 stretched to 64x64: sent x = 2x, y = y. E is inside the image.
    expect(await detect('unbatched', wide)).toEqual([
      [
        { label: 0, score: 0.95, box: [80, 0, 100, 10] },
        { label: 0, score: 0.9, box: [20, 20, 60, 40] },
        { label: 1, score: 0.7, box: [22, 21, 62, 41] },
        { label: 2, score: 0.6, box: [80, 30, 120, 44] },
        { label: 1, score: 0.5, box: [100, 10, 128, 30] },
      ],
    ]);
  });

  it('drops a box with a coordinate that is not a number; without classes every box is class 0', async () => {
    // 64x64 sent as is: the NaN box is gone, the other is class 0 in the image's pixels.
    expect(await detect('nan', await png(64, 64))).toEqual([[{ label: 0, score: 0.8, box: [4, 4, 20, 20] }]]);
  });

  it('separate scores [N, C]: each box its best class, NMS per class', async () => {
    // IoU 576 / 1472 = 0.39 would not suppress anyway; the classes differ: car 0.7 and cat 0.6.
    expect(await detect('perClass', await png(64, 64))).toEqual([
      [
        { label: 'car', score: 0.7, box: [0, 0, 32, 32] },
        { label: 'cat', score: 0.6, box: [8, 8, 40, 40] },
      ],
    ]);
  });

  it.each([
    ['both', 'both "image" and "detection"'],
    ['wrongLayout', 'boxes must name one of the model\'s outputs ("output0"); got "boxes"'],
    ['wrongLabels', 'has 2 labels for 3 classes'],
    ['misspelt', 'unknown key "iou"'],
  ])('a config the outputs cannot be read by makes the version UNAVAILABLE: %s', (name, reason) => {
    const v = scorer.repository.find(name);
    expect(v.state).toBe('UNAVAILABLE');
    expect(v.reason).toContain(reason);
  });
});
