import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { defaultCodecs } from '../../src/decode/default-codecs.js';
import { rawTensorCodec } from '../../src/decode/raw-tensor-codec.js';
import { inputStoreFor } from '../../src/cache/input-store.js';
import { codecs } from '../../src/decode/codecs.js';
import { RequestDecoder } from '../../src/decode/request-decoder.js';
import { readSettings } from '../../src/settings.js';
import { codeOfAsync as codeOf } from '../support/codes.js';
import { fakeModel, MapCache } from '../support/fakes.js';

const limits = { maxRequestBytes: 1 << 20, maxImagePixels: 1000 * 1000, maxBatchRows: 8 };
const settings = readSettings({ MAX_IMAGE_PIXELS: String(limits.maxImagePixels), MAX_BATCH_ROWS: '8' });
const pre = { width: 4, height: 4, channels: 1, scale: 1 / 255, invert: false };

/**
 * A scorer over one FP32 model: by default 16 values per row, taking 4x4 gray images (as `pre` says);
 * `image: undefined` for a model without image preprocessing.
 */
function scorerFor(opts: { image?: Record<string, unknown>; features?: number } = { image: pre }) {
  const { version } = fakeModel({ features: opts.features ?? 16, image: opts.image });
  const decoder = new RequestDecoder(codecs, settings, inputStoreFor(new MapCache()));
  return {
    decode: (req: { body: Buffer; contentType?: string }) => decoder.body(version, req.body, req.contentType),
  };
}

/** The one input a body decodes to, with its rows. */
async function decode(body: Buffer, contentType: string | undefined, scorer = scorerFor()) {
  const prepared = await scorer.decode({ body, contentType });
  expect(prepared.inputs).toHaveLength(1);
  return {
    rows: prepared.rows,
    shape: prepared.inputs[0].shape,
    data: prepared.inputs[0].data as Float32Array,
  };
}

function gray(width: number, height: number, fill: (i: number) => number) {
  const px = Buffer.alloc(width * height);
  for (let i = 0; i < px.length; i++) px[i] = fill(i);
  return sharp(px, { raw: { width, height, channels: 1 } });
}

describe('default codecs', () => {
  it('sniffs PNG and JPEG behind octet-stream or no content type', async () => {
    const codecs = defaultCodecs();
    const png = await gray(4, 4, () => 0)
      .png()
      .toBuffer();
    const jpg = await gray(4, 4, () => 0)
      .jpeg()
      .toBuffer();
    expect(codecs.effectiveType(png, undefined)).toBe('image/png');
    expect(codecs.effectiveType(jpg, 'application/octet-stream')).toBe('image/jpeg');
    expect(codecs.effectiveType(Buffer.alloc(8), '')).toBe('application/octet-stream');
    expect(codecs.effectiveType(png, 'Image/PNG; charset=x')).toBe('image/png');
    // And decodes them as images: an untyped PNG gives the same row as a typed one.
    expect(await decode(png, undefined)).toEqual(await decode(png, 'image/png'));
  });

  it('turns a PNG into one scaled grayscale row, exactly', async () => {
    const png = await gray(4, 4, (i) => i * 16)
      .png()
      .toBuffer();
    const b = await decode(png, 'image/png');
    expect(b.rows).toBe(1);
    expect(b.shape).toEqual([1, 16]);
    expect(b.data[5]).toBeCloseTo(80 / 255, 6);
  });

  it('resizes and converts colour images', async () => {
    const rgb = await sharp({
      create: { width: 40, height: 20, channels: 3, background: { r: 255, g: 255, b: 255 } },
    })
      .png()
      .toBuffer();
    const b = await decode(rgb, 'image/png');
    expect(b.data).toHaveLength(16);
    expect(b.data.every((v) => Math.abs(v - 1) < 1e-6)).toBe(true);
  });

  it('inverts black-on-white images when the model asks for it', async () => {
    const white = await gray(4, 4, () => 255)
      .png()
      .toBuffer();
    const b = await decode(white, 'image/png', scorerFor({ image: { ...pre, invert: true } }));
    expect(b.data.every((v) => v === 0)).toBe(true);
  });

  it('reads little-endian float32 rows', async () => {
    const buf = Buffer.alloc(16);
    [1, 2, 3, 4].forEach((v, i) => buf.writeFloatLE(v, i * 4));
    const b = await decode(buf, 'application/octet-stream', scorerFor({ features: 2 }));
    expect(b.rows).toBe(2);
    expect(b.shape).toEqual([2, 2]);
    expect(Array.from(b.data)).toEqual([1, 2, 3, 4]);
    // The codec on its own, from bytes at an odd offset of their buffer.
    const { version } = fakeModel({ features: 2 });
    const odd = Buffer.concat([Buffer.alloc(1), buf]).subarray(1);
    const direct = await rawTensorCodec(odd, {
      model: version,
      limits,
      store: inputStoreFor(new MapCache()),
    });
    expect(direct.rows).toBe(2);
    expect(Array.from(direct.inputs[0].data as Float32Array)).toEqual([1, 2, 3, 4]);
  });

  it('refuses a truncated PNG', async () => {
    const png = await gray(4, 4, () => 9)
      .png()
      .toBuffer();
    expect(await codeOf(decode(png.subarray(0, 30), 'image/png'))).toBe('UNDECODABLE_IMAGE');
  });

  it('refuses a PNG whose header claims 50000x50000 without decoding it', async () => {
    const png = await gray(4, 4, () => 9)
      .png()
      .toBuffer();
    const forged = Buffer.from(png);
    // IHDR width and height live at bytes 16..24; the CRC is then wrong, which is what an attacker sends too.
    forged.writeUInt32BE(50000, 16);
    forged.writeUInt32BE(50000, 20);
    const code = await codeOf(decode(forged, 'image/png'));
    expect(['IMAGE_TOO_LARGE', 'UNDECODABLE_IMAGE']).toContain(code);
    const big = await gray(1200, 1000, () => 0)
      .png()
      .toBuffer();
    expect(await codeOf(decode(big, 'image/png'))).toBe('IMAGE_TOO_LARGE');
  });

  it('refuses float32 bodies that are not whole rows, and unknown types', async () => {
    const floats2 = scorerFor({ features: 2 });
    expect(await codeOf(decode(Buffer.alloc(6), 'application/octet-stream', floats2))).toBe('INVALID_SHAPE');
    expect(await codeOf(decode(Buffer.alloc(0), 'application/octet-stream', floats2))).toBe('INVALID_SHAPE');
    expect(await codeOf(decode(Buffer.from('hi'), 'text/csv', floats2))).toBe('UNSUPPORTED_MEDIA_TYPE');
    const png = await gray(4, 4, () => 0)
      .png()
      .toBuffer();
    expect(await codeOf(decode(png, 'image/png', scorerFor({ features: 16 })))).toBe(
      'UNSUPPORTED_MEDIA_TYPE',
    );
  });

  it('refuses too many float32 rows', async () => {
    expect(
      await codeOf(decode(Buffer.alloc(9 * 8), 'application/octet-stream', scorerFor({ features: 2 }))),
    ).toBe('TOO_MANY_ROWS');
  });
});
