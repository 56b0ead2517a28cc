import { loadMnist } from '@modelfn/train-mnist';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScorer } from '../../src/create-scorer.js';
import { predictions } from '../../src/encode/predictions.js';
import type { Scorer } from '../../src/scorer.js';
import { readSettings } from '../../src/settings.js';
import { MODELS } from '../support/models.js';

describe('MNIST through libs/scoring', () => {
  let scorer: Scorer;
  const test = loadMnist('test');

  beforeAll(async () => {
    scorer = await createScorer(readSettings({ MODEL_REPOSITORY: MODELS, CACHE_MODE: 'memory' }));
  });
  afterAll(() => scorer?.close());

  it('scores the 10,000 test images as JSON rows with >= 97% accuracy', async () => {
    let right = 0;
    const perRequest = 250;
    for (let start = 0; start < test.count; start += perRequest) {
      const rows: number[][] = [];
      for (let i = start; i < Math.min(test.count, start + perRequest); i++) {
        rows.push(Array.from(test.images.subarray(i * 784, (i + 1) * 784), (p) => p / 255));
      }
      const result = await scorer.infer({
        body: Buffer.from(JSON.stringify({ data: rows })),
        contentType: 'application/json',
      });
      expect(result.outputs[0].shape).toEqual([rows.length, 10]);
      predictions(result).forEach((label, j) => {
        if (label === test.labels[start + j]) right++;
      });
    }
    const accuracy = right / test.count;
    expect(accuracy).toBeGreaterThanOrEqual(0.97);
  });

  it('answers a digit the same as PNG, float32 bytes and v2 tensor, sharing one cache entry', async () => {
    const i = 0;
    const pixels = test.images.subarray(i * 784, (i + 1) * 784);
    const png = await sharp(Buffer.from(pixels), { raw: { width: 28, height: 28, channels: 1 } })
      .png()
      .toBuffer();
    const floats = Float32Array.from(pixels, (p) => p / 255);
    const asPng = await scorer.infer({ body: png, contentType: 'image/png' });
    const asBytes = await scorer.infer({
      body: Buffer.from(floats.buffer),
      contentType: 'application/octet-stream',
    });
    const v2 = { inputs: [{ name: 'input', shape: [1, 784], datatype: 'FP32', data: Array.from(floats) }] };
    const asV2 = await scorer.infer({ v2: Buffer.from(JSON.stringify(v2)), model: 'mnist' });
    expect(predictions(asPng)[0]).toBe(test.labels[i]);
    expect(asBytes.cache).toBe('hit');
    expect(asV2.cache).toBe('hit');
    expect(Array.from(asV2.outputs[0].data as Float32Array)).toEqual(
      Array.from(asPng.outputs[0].data as Float32Array),
    );
    expect(Array.from(asBytes.outputs[0].data as Float32Array)).toEqual(
      Array.from(asPng.outputs[0].data as Float32Array),
    );
  });

  it('scores PNG digits with >= 95% accuracy', async () => {
    let right = 0;
    const n = 300;
    for (let i = 0; i < n; i++) {
      const png = await sharp(Buffer.from(test.images.subarray(i * 784, (i + 1) * 784)), {
        raw: { width: 28, height: 28, channels: 1 },
      })
        .png()
        .toBuffer();
      const result = await scorer.infer({ body: png, contentType: 'image/png', bypassCache: true });
      if (predictions(result)[0] === test.labels[i]) right++;
    }
    expect(right / n).toBeGreaterThanOrEqual(0.95);
  });
});
