import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scorer } from '../../src/index.js';
import { imageIdentityModel } from '@modelfn/model-builder';
import { scorerOver } from './repo.js';

// A 2x2 RGB image with four distinct colours, and identity models of every layout: the model's output is
// exactly the tensor the preprocessing made, so it can be checked against values computed from the pixels.
const W = 2;
const H = 2;
const PIXELS = [
  [200, 10, 30],
  [0, 128, 255],
  [50, 60, 70],
  [255, 255, 0],
];
const mean = [0.5, 0.4, 0.3];
const std = [0.2, 0.25, 0.5];
const scale = 1 / 255;

let png: Buffer;

function expected(color: 'rgb' | 'bgr', layout: 'NCHW' | 'NHWC'): number[] {
  const order = color === 'rgb' ? [0, 1, 2] : [2, 1, 0];
  const value = (p: number, c: number) => Math.fround((PIXELS[p][order[c]] * scale - mean[c]) / std[c]);
  const out: number[] = [];
  if (layout === 'NCHW') for (let c = 0; c < 3; c++) for (let p = 0; p < W * H; p++) out.push(value(p, c));
  else for (let p = 0; p < W * H; p++) for (let c = 0; c < 3; c++) out.push(value(p, c));
  return out;
}

const cases = [
  { name: 'rgb_nchw', color: 'rgb', layout: 'NCHW', shape: [null, 3, H, W] },
  { name: 'bgr_nchw', color: 'bgr', layout: 'NCHW', shape: [null, 3, H, W] },
  { name: 'rgb_nhwc', color: 'rgb', layout: 'NHWC', shape: [null, H, W, 3] },
  { name: 'bgr_nhwc', color: 'bgr', layout: 'NHWC', shape: [null, H, W, 3] },
] as const;

describe('image preprocessing for 3-channel models', () => {
  let scorer: Scorer;
  let close: () => Promise<void>;
  beforeAll(async () => {
    png = await sharp(Buffer.from(PIXELS.flat()), { raw: { width: W, height: H, channels: 3 } })
      .png()
      .toBuffer();
    const models = Object.fromEntries(
      cases.map((c) => [
        c.name,
        {
          onnx: imageIdentityModel([...c.shape]),
          config: {
            preprocessing: {
              image: { width: W, height: H, color: c.color, layout: c.layout, scale, mean, std },
            },
          },
        },
      ]),
    );
    ({ scorer, close } = await scorerOver({
      ...models,
      // An RGB model whose shape cannot hold the image as configured: refused at load, with the reason.
      mismatch: {
        onnx: imageIdentityModel([null, 3, 4, 4]),
        config: { preprocessing: { image: { width: W, height: H, color: 'rgb', layout: 'NCHW' } } },
      },
    }));
  });
  afterAll(() => close());

  it.each(cases)(
    "$name: (pixel·scale − mean[c]) / std[c] in the model's layout",
    async ({ name, color, layout }) => {
      const result = await scorer.infer({ body: png, contentType: 'image/png', model: name });
      expect(result.outputs[0].shape).toEqual(layout === 'NCHW' ? [1, 3, H, W] : [1, H, W, 3]);
      const got = Array.from(result.outputs[0].data as Float32Array);
      expected(color, layout).forEach((v, i) => expect(got[i]).toBeCloseTo(v, 5));
    },
  );

  it('the same image sent again is a cache hit; as JSON it is the same tensor', async () => {
    const again = await scorer.infer({ body: png, contentType: 'image/png', model: 'rgb_nchw' });
    expect(again.cache).toBe('hit');
    const values = expected('rgb', 'NCHW');
    const rows = [[0, 1, 2].map((c) => [0, 1].map((y) => [0, 1].map((x) => values[c * 4 + y * 2 + x])))];
    const json = await scorer.infer({ object: { data: rows }, model: 'rgb_nchw' });
    expect(Array.from(json.outputs[0].data as Float32Array)).toEqual(
      Array.from(again.outputs[0].data as Float32Array),
    );
  });

  it('refuses, at load, a preprocessing the input cannot hold', () => {
    const v = scorer.repository.find('mismatch');
    expect(v.state).toBe('UNAVAILABLE');
    expect(v.reason).toMatch(/preprocessing\.image makes NCHW rows of shape \[3,2,2\].*dims \[3,4,4\]/);
  });
});
