import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageIdentityModel, maskModel, segmentationModel } from '@modelfn/model-builder';
import type { ModelAnswer, Scorer } from '../../src/index.js';
import { scorerOver } from '../scorer/repo.js';
import { failureOf } from '../support/codes.js';

// Image answers (config.json postprocessing.image) through the scorer, on models built in code whose
// outputs are known functions of the sent pixels (maskModel: mask = mean of the channels, /255 by the
// preprocessing), checked by decoding the PNG or WebP back with sharp.
const SIDE = 8;
const pre = (resize: string) => ({ width: SIDE, height: SIDE, resize });

let scorer: Scorer;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ scorer, close } = await scorerOver(
    {
      stretch: {
        onnx: maskModel(SIDE),
        config: { preprocessing: { image: pre('stretch') }, postprocessing: { image: {} } },
      },
      fit: {
        onnx: maskModel(SIDE),
        config: { preprocessing: { image: pre('fit') }, postprocessing: { image: {} } },
      },
      crop: {
        onnx: maskModel(SIDE),
        config: { preprocessing: { image: pre('crop') }, postprocessing: { image: {} } },
      },
      threshold: {
        onnx: maskModel(SIDE),
        config: { preprocessing: { image: pre('stretch') }, postprocessing: { image: { threshold: 0.5 } } },
      },
      alpha: {
        onnx: maskModel(SIDE),
        config: { preprocessing: { image: pre('stretch') }, postprocessing: { image: { mode: 'alpha' } } },
      },
      modelSize: {
        onnx: maskModel(SIDE),
        config: {
          preprocessing: { image: pre('fit') },
          postprocessing: { image: { resize: 'model', format: 'webp' } },
        },
      },
      half: {
        onnx: maskModel(SIDE),
        config: { preprocessing: { image: pre('fit') }, postprocessing: { image: { output: 'half' } } },
      },
      rgb: {
        onnx: imageIdentityModel(['N', 3, SIDE, SIDE]),
        config: { preprocessing: { image: pre('stretch') }, postprocessing: { image: { mode: 'rgb' } } },
      },
      minmax: {
        onnx: segmentationModel({ side: SIDE, features: 2 }),
        config: {
          preprocessing: { image: pre('stretch') },
          postprocessing: { image: { output: 'mask', normalize: 'minmax' } },
        },
      },
      plain: { onnx: maskModel(SIDE), config: { preprocessing: { image: pre('stretch') } } },
    },
    { MAX_RESPONSE_BYTES: '100000' },
  ));
});
afterAll(() => close());

/** A w×h RGB PNG whose pixel (x, y) is `color(x, y)`. */
function png(
  w: number,
  h: number,
  color: (x: number, y: number) => [number, number, number],
): Promise<Buffer> {
  const raw = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw.set(color(x, y), (y * w + x) * 3);
  return sharp(raw, { raw: { width: w, height: h, channels: 3 } })
    .png()
    .toBuffer();
}

const near = (level: number, expected: number) => Math.abs(level - expected) <= 1;
const white = (): [number, number, number] => [255, 255, 255];

/** The answer's image decoded: its size, channels, format and pixel (x, y)'s channels. */
async function decoded(a: ModelAnswer) {
  expect(a.image).toBeDefined();
  const { data, info } = await sharp(a.image!.body).raw().toBuffer({ resolveWithObject: true });
  const meta = await sharp(a.image!.body).metadata();
  // sharp hands a gray PNG over as sRGB: its channels are those the file holds (metadata).
  return {
    width: info.width,
    height: info.height,
    channels: meta.channels,
    format: meta.format,
    at: (x: number, y: number) => [
      ...data.subarray((y * info.width + x) * info.channels, (y * info.width + x + 1) * info.channels),
    ],
    values: new Set(data),
  };
}

const score = async (model: string, body: Buffer, format?: 'png' | 'webp', contentType = 'image/png') =>
  (await scorer.infer({ model, body, contentType, image: { required: true, format } })) as ModelAnswer;

describe('image answers', () => {
  it('answers the mask at the sent size for stretch: white where the sent image is white', async () => {
    const a = await score('stretch', await png(40, 20, (x) => (x < 20 ? [255, 255, 255] : [0, 0, 0])));
    expect(a.image!.contentType).toBe('image/png');
    expect(a.outputs.map((t) => t.name)).toEqual(['mask']);
    const img = await decoded(a);
    expect([img.width, img.height, img.channels, img.format]).toEqual([40, 20, 1, 'png']);
    expect(img.at(4, 10)[0]).toBe(255);
    expect(img.at(36, 10)[0]).toBe(0);
  });

  it('cuts the letterbox away for fit: a white 32x16 image is white everywhere, padding included nowhere', async () => {
    const a = await score('fit', await png(32, 16, white));
    // The model saw 8x4 image rows between 2 rows of black padding above and below.
    const mask = a.outputs[0].data as Float32Array;
    expect(mask[0]).toBe(0);
    expect(mask[3 * SIDE]).toBeCloseTo(1, 5);
    const img = await decoded(a);
    expect([img.width, img.height]).toEqual([32, 16]);
    expect([...img.values]).toEqual([255]);
  });

  it('puts back what the crop cut off, empty, for crop: a white 32x16 image is white in its centre only', async () => {
    const a = await score('crop', await png(32, 16, white));
    const img = await decoded(a);
    expect([img.width, img.height]).toEqual([32, 16]);
    // Scaled by 1/2 to 16x8, the centre 8 columns (sent x 8..24) were kept.
    for (const y of [0, 8, 15]) {
      expect(img.at(2, y)[0]).toBe(0);
      expect(img.at(16, y)[0]).toBe(255);
      expect(img.at(29, y)[0]).toBe(0);
    }
  });

  it('resizes an output smaller than the model input (half) before undoing the letterbox', async () => {
    const a = await score('half', await png(32, 16, white));
    const img = await decoded(a);
    expect([img.width, img.height]).toEqual([32, 16]);
    expect(img.at(16, 8)[0]).toBe(255);
  });

  it('thresholds after resizing: levels 100 and 200 become 0 and 255, nothing in between', async () => {
    const body = await png(20, 10, (x) => (x < 10 ? [100, 100, 100] : [200, 200, 200]));
    const soft = await decoded(await score('stretch', body));
    // Within a level: libvips' bilinear resize rounds in its own fixed point.
    expect(near(soft.at(2, 5)[0], 100)).toBe(true);
    expect(near(soft.at(17, 5)[0], 200)).toBe(true);
    const hard = await decoded(await score('threshold', body));
    expect(hard.at(2, 5)[0]).toBe(0);
    expect(hard.at(17, 5)[0]).toBe(255);
    expect([...hard.values].sort((a, b) => a - b)).toEqual([0, 255]);
  });

  it('mode alpha answers the sent image, its RGB as sent, the mask as its alpha', async () => {
    const body = await png(24, 12, (x, y) => (x < 12 ? [255, 255, 255] : [120, (y * 7) % 50, 30]));
    const img = await decoded(await score('alpha', body));
    expect([img.width, img.height, img.channels]).toEqual([24, 12, 4]);
    expect(img.at(3, 6)).toEqual([255, 255, 255, 255]);
    // RGB untouched; alpha the mask: the mean of the channels ((120 + 42 + 30) / 3 = 64 on row 6).
    const [r, g, b, alpha] = img.at(20, 6);
    expect([r, g, b]).toEqual([120, 42, 30]);
    expect(Math.abs(alpha - Math.round((120 + 42 + 30) / 3))).toBeLessThanOrEqual(12);
  });

  it('answers webp (lossless) at the model size when asked, and png when the request says so', async () => {
    const body = await png(32, 16, white);
    const a = await score('modelSize', body);
    expect(a.image!.contentType).toBe('image/webp');
    const img = await decoded(a);
    expect([img.width, img.height, img.format]).toEqual([SIDE, SIDE, 'webp']);
    // The model's own view: letterbox rows black, image rows white.
    expect(img.at(4, 0)[0]).toBe(0);
    expect(img.at(4, 4)[0]).toBe(255);
    const asPng = await decoded(await score('modelSize', body, 'png'));
    expect(asPng.format).toBe('png');
    const webp = await decoded(await score('stretch', body, 'webp'));
    expect([webp.format, webp.width]).toEqual(['webp', 32]);
  });

  it('mode rgb answers an image-to-image output as the colour image it is', async () => {
    const body = await png(SIDE, SIDE, (x, y) => [x * 30, y * 30, 200]);
    const img = await decoded(await score('rgb', body));
    expect(img.channels).toBe(3);
    expect(img.at(3, 5)).toEqual([90, 150, 200]);
  });

  it('normalizes minmax as IS-Net does: the darkest value 0, the brightest 255', async () => {
    const body = await png(16, 16, (x) => (x < 8 ? [0, 0, 0] : [255, 255, 255]));
    const img = await decoded(await score('minmax', body));
    expect(near(img.at(2, 8)[0], 0)).toBe(true);
    expect(near(img.at(13, 8)[0], 255)).toBe(true);
  });

  it('is made after the cache: a hit answers the same image, and the cached rows answer JSON too', async () => {
    const body = await png(30, 10, (x) => [x * 8, 0, 0]);
    const first = await score('stretch', body);
    const again = await score('stretch', body);
    expect(again.cache).toBe('hit');
    expect(again.image!.body.equals(first.image!.body)).toBe(true);
    const tensors = (await scorer.infer({
      model: 'stretch',
      body,
      contentType: 'image/png',
      outputs: ['mask'],
    })) as ModelAnswer;
    expect(tensors.cache).toBe('hit');
    expect(tensors.image).toBeUndefined();
  });
});

describe('image answers that cannot be', () => {
  const jsonRows = (rows: number) =>
    Buffer.from(
      JSON.stringify({
        data: Array.from({ length: rows }, () =>
          Array.from({ length: 3 }, () => Array.from({ length: SIDE }, () => new Array(SIDE).fill(0.5))),
        ),
      }),
    );

  it('refuses a model without postprocessing.image with 406 NOT_ACCEPTABLE, or answers tensors when not required', async () => {
    const body = await png(8, 8, white);
    const e = await failureOf(score('plain', body));
    expect(e.code).toBe('NOT_ACCEPTABLE');
    expect(e.message).toContain('postprocessing.image');
    const a = (await scorer.infer({
      model: 'plain',
      body,
      contentType: 'image/png',
      image: { required: false },
    })) as ModelAnswer;
    expect(a.image).toBeUndefined();
    expect(a.outputs.map((t) => t.name)).toEqual(['mask', 'half', 'image']);
  });

  it('refuses several rows, and a selection of other outputs, with 406', async () => {
    const rows = await failureOf(score('stretch', jsonRows(2), undefined, 'application/json'));
    expect(rows.code).toBe('NOT_ACCEPTABLE');
    expect(rows.message).toContain('2 rows');
    const other = await failureOf(
      scorer.infer({
        model: 'stretch',
        body: await png(8, 8, white),
        contentType: 'image/png',
        outputs: ['half'],
        image: { required: true },
      }),
    );
    expect(other.code).toBe('NOT_ACCEPTABLE');
    expect(other.message).toContain('"half"');
  });

  it('answers JSON rows as a mask at the model size, but refuses alpha without a sent image', async () => {
    const img = await decoded(await score('stretch', jsonRows(1), undefined, 'application/json'));
    expect([img.width, img.height, img.at(0, 0)[0]]).toEqual([SIDE, SIDE, 128]);
    const e = await failureOf(score('alpha', jsonRows(1), undefined, 'application/json'));
    expect(e.code).toBe('NOT_ACCEPTABLE');
    expect(e.message).toContain('send an image');
    const loose = (await scorer.infer({
      model: 'alpha',
      body: jsonRows(1),
      contentType: 'application/json',
      image: { required: false },
    })) as ModelAnswer;
    expect(loose.image).toBeUndefined();
    expect(loose.outputs.map((t) => t.name)).toEqual(['mask']);
  });

  it('refuses an encoded image over MAX_RESPONSE_BYTES with 413 RESPONSE_TOO_LARGE', async () => {
    // 400x300 of noise in RGBA does not compress below 100,000 bytes.
    const noise = await png(400, 300, (x, y) => [
      (x * 7919 + y * 104729) % 251,
      (x * 31 + y * 17) % 253,
      (x * y) % 255,
    ]);
    const e = await failureOf(score('alpha', noise));
    expect(e.code).toBe('RESPONSE_TOO_LARGE');
    expect(e.message).toContain('MAX_RESPONSE_BYTES 100000');
  });

  it('answers inferMany (a batch of messages) with each request its own image', async () => {
    const [a, b] = await scorer.inferMany([
      {
        model: 'stretch',
        body: await png(10, 10, white),
        contentType: 'image/png',
        image: { required: false },
      },
      { model: 'plain', body: await png(10, 10, white), contentType: 'image/png', image: { required: true } },
    ]);
    expect((a as ModelAnswer).image!.width).toBe(10);
    expect('error' in b && b.error.code).toBe('NOT_ACCEPTABLE');
  });
});
