import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { float32Rows, rawBytesToRows, sniffMediaType } from '../../src/convert/raw-bytes.js';
import { codeOfAsync as codeOf } from '../support/codes.js';

const limits = { maxRequestBytes: 1 << 20, maxImagePixels: 1000 * 1000, maxBatchRows: 8 };
const pre = { width: 4, height: 4, channels: 1 as const, scale: 1 / 255, invert: false };

function gray(width: number, height: number, fill: (i: number) => number) {
  const px = Buffer.alloc(width * height);
  for (let i = 0; i < px.length; i++) px[i] = fill(i);
  return sharp(px, { raw: { width, height, channels: 1 } });
}

describe('raw bytes', () => {
  it('sniffs PNG and JPEG behind octet-stream or no content type', async () => {
    const png = await gray(4, 4, () => 0)
      .png()
      .toBuffer();
    const jpg = await gray(4, 4, () => 0)
      .jpeg()
      .toBuffer();
    expect(sniffMediaType(png, undefined)).toBe('image/png');
    expect(sniffMediaType(jpg, 'application/octet-stream')).toBe('image/jpeg');
    expect(sniffMediaType(Buffer.alloc(8), '')).toBe('application/octet-stream');
    expect(sniffMediaType(png, 'Image/PNG; charset=x')).toBe('image/png');
  });

  it('turns a PNG into one scaled grayscale row, exactly', async () => {
    const png = await gray(4, 4, (i) => i * 16)
      .png()
      .toBuffer();
    const b = await rawBytesToRows(png, 'image/png', 16, pre, limits);
    expect(b.rows).toBe(1);
    expect(b.data[5]).toBeCloseTo(80 / 255, 6);
  });

  it('resizes and converts colour images', async () => {
    const rgb = await sharp({
      create: { width: 40, height: 20, channels: 3, background: { r: 255, g: 255, b: 255 } },
    })
      .png()
      .toBuffer();
    const b = await rawBytesToRows(rgb, 'image/png', 16, pre, limits);
    expect(b.data.every((v) => Math.abs(v - 1) < 1e-6)).toBe(true);
  });

  it('inverts black-on-white images when the model asks for it', async () => {
    const white = await gray(4, 4, () => 255)
      .png()
      .toBuffer();
    const b = await rawBytesToRows(white, 'image/png', 16, { ...pre, invert: true }, limits);
    expect(b.data.every((v) => v === 0)).toBe(true);
  });

  it('reads little-endian float32 rows', () => {
    const buf = Buffer.alloc(16);
    [1, 2, 3, 4].forEach((v, i) => buf.writeFloatLE(v, i * 4));
    const b = float32Rows(buf.subarray(0), 2, limits);
    expect(b.rows).toBe(2);
    expect(Array.from(b.data)).toEqual([1, 2, 3, 4]);
  });

  it('refuses a truncated PNG', async () => {
    const png = await gray(4, 4, () => 9)
      .png()
      .toBuffer();
    expect(await codeOf(rawBytesToRows(png.subarray(0, 30), 'image/png', 16, pre, limits))).toBe(
      'UNDECODABLE_IMAGE',
    );
  });

  it('refuses a PNG whose header claims 50000x50000 without decoding it', async () => {
    const png = await gray(4, 4, () => 9)
      .png()
      .toBuffer();
    const forged = Buffer.from(png);
    // IHDR width and height live at bytes 16..24; the CRC is then wrong, which is what an attacker sends too.
    forged.writeUInt32BE(50000, 16);
    forged.writeUInt32BE(50000, 20);
    const code = await codeOf(rawBytesToRows(forged, 'image/png', 16, pre, limits));
    expect(['IMAGE_TOO_LARGE', 'UNDECODABLE_IMAGE']).toContain(code);
    const big = await gray(1200, 1000, () => 0)
      .png()
      .toBuffer();
    expect(await codeOf(rawBytesToRows(big, 'image/png', 16, pre, limits))).toBe('IMAGE_TOO_LARGE');
  });

  it('refuses float32 bodies that are not whole rows, and unknown types', async () => {
    expect(await codeOf(rawBytesToRows(Buffer.alloc(6), 'application/octet-stream', 2, pre, limits))).toBe(
      'INVALID_SHAPE',
    );
    expect(await codeOf(rawBytesToRows(Buffer.alloc(0), 'application/octet-stream', 2, pre, limits))).toBe(
      'INVALID_SHAPE',
    );
    expect(await codeOf(rawBytesToRows(Buffer.from('hi'), 'text/csv', 2, pre, limits))).toBe(
      'UNSUPPORTED_MEDIA_TYPE',
    );
    const png = await gray(4, 4, () => 0)
      .png()
      .toBuffer();
    expect(await codeOf(rawBytesToRows(png, 'image/png', 16, undefined, limits))).toBe(
      'UNSUPPORTED_MEDIA_TYPE',
    );
  });

  it('refuses too many float32 rows', async () => {
    expect(
      await codeOf(rawBytesToRows(Buffer.alloc(9 * 8), 'application/octet-stream', 2, pre, limits)),
    ).toBe('TOO_MANY_ROWS');
  });
});
