import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageIdentityModel } from '@modelfn/model-builder';
import type { ModelAnswer, Scorer } from '../../src/index.js';
import { valuesOf } from '../support/fakes.js';
import { scorerOver } from './repo.js';
import { failureOf } from '../support/codes.js';

// Images into v2 (issue 26 item 2): a model with preprocessing.image takes its image input as a BYTES tensor
// of encoded images, base64 in JSON or raw in the binary extension, as Triton and KServe clients send them;
// each row is the row the same image sent to /score makes.
const W = 2;
const H = 2;
const image = { width: W, height: H, color: 'rgb', layout: 'NCHW', scale: 1 / 255 };
let red: Buffer;
let blue: Buffer;

async function png(rgb: number[]): Promise<Buffer> {
  const pixels = Buffer.from(Array.from({ length: W * H }, () => rgb).flat());
  return sharp(pixels, { raw: { width: W, height: H, channels: 3 } })
    .png()
    .toBuffer();
}

/** The binary extension's layout of BYTES elements: each a 4-byte little-endian length, then the bytes. */
function bytesElements(items: Buffer[]): Buffer {
  return Buffer.concat(
    items.flatMap((b) => {
      const len = Buffer.alloc(4);
      len.writeUInt32LE(b.length);
      return [len, b];
    }),
  );
}

describe('v2 requests with encoded images for an image model', () => {
  let scorer: Scorer;
  let close: () => Promise<void>;
  beforeAll(async () => {
    red = await png([255, 0, 0]);
    blue = await png([0, 0, 255]);
    ({ scorer, close } = await scorerOver({
      photo: { onnx: imageIdentityModel([null, 3, H, W]), config: { preprocessing: { image } } },
      whole: {
        onnx: imageIdentityModel([1, 3, H, W]),
        config: { max_batch_size: 0, preprocessing: { image } },
      },
    }));
  });
  afterAll(() => close());

  const v2Json = (model: string, images: Buffer[], shape = [images.length]) =>
    scorer.infer({
      model,
      v2: Buffer.from(
        JSON.stringify({
          inputs: [
            { name: 'image', datatype: 'BYTES', shape, data: images.map((b) => b.toString('base64')) },
          ],
        }),
      ),
    }) as Promise<ModelAnswer>;

  it('takes base64 images in JSON, one row each, as the same PNG sent to /score makes', async () => {
    const direct = (await scorer.infer({
      model: 'photo',
      body: red,
      contentType: 'image/png',
    })) as ModelAnswer;
    const a = await v2Json('photo', [red, blue]);
    expect(a.rows).toBe(2);
    expect(a.outputs[0].shape).toEqual([2, 3, H, W]);
    const values = valuesOf(a.outputs[0]);
    expect(values.slice(0, 12)).toEqual(valuesOf(direct.outputs[0]));
    // red then blue: channel 0 of the first row is 1, channel 2 of the second row is 1
    expect(values.slice(0, 4)).toEqual([1, 1, 1, 1]);
    expect(values.slice(12 + 8, 24)).toEqual([1, 1, 1, 1]);
    // The same rows as the PNG body: the same cache entry.
    expect((await v2Json('photo', [red], [1, 1])).cache).toBe('hit');
  });

  it('takes raw images in the binary tensor extension', async () => {
    const header = Buffer.from(
      JSON.stringify({
        inputs: [
          { name: 'image', datatype: 'BYTES', shape: [1], parameters: { binary_data_size: blue.length + 4 } },
        ],
      }),
    );
    const a = (await scorer.infer({
      model: 'photo',
      v2: Buffer.concat([header, bytesElements([blue])]),
      headerLength: header.length,
    })) as ModelAnswer;
    expect(valuesOf(a.outputs[0])).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1]);
  });

  it('serves a model without a batch dimension one image', async () => {
    const a = await v2Json('whole', [red]);
    expect(a.outputs[0].shape).toEqual([1, 3, H, W]);
    const e = await failureOf(v2Json('whole', [red, blue]));
    expect(e.code).toBe('INVALID_SHAPE');
  });

  it('refuses what is not an image, a count that differs from the shape, and data that is not base64', async () => {
    expect((await failureOf(v2Json('photo', [Buffer.from('not an image')]))).code).toBe('UNDECODABLE_IMAGE');
    expect((await failureOf(v2Json('photo', [red], [2]))).code).toBe('INVALID_SHAPE');
    const notBase64 = scorer.infer({
      model: 'photo',
      v2: Buffer.from(
        JSON.stringify({ inputs: [{ name: 'image', datatype: 'BYTES', shape: [1], data: ['%%%'] }] }),
      ),
    });
    const e = await failureOf(notBase64);
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.message).toContain('base64');
  });
});
