import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { mayHaveOrientation } from '../../src/decode/exif-orientation.js';

const pixels = () => sharp(Buffer.alloc(12, 100), { raw: { width: 2, height: 2, channels: 3 } });

/** One PNG chunk; its CRC is left 0, as the walk reads only lengths and types. */
function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  return out;
}

describe('mayHaveOrientation', () => {
  it('is false only for a whole PNG without an eXIf chunk', async () => {
    expect(mayHaveOrientation(await pixels().png().toBuffer())).toBe(false);
    expect(mayHaveOrientation(await pixels().png().withMetadata({ orientation: 6 }).toBuffer())).toBe(true);
    expect(mayHaveOrientation(await pixels().jpeg().toBuffer())).toBe(true);
    expect(mayHaveOrientation(await pixels().webp().toBuffer())).toBe(true);
    expect(mayHaveOrientation(Buffer.from('not an image'))).toBe(true);
  });

  it('finds eXIf after the image data, and leaves truncated PNGs to libvips', async () => {
    const plain = await pixels().png().toBuffer();
    const iend = plain.length - 12;
    const late = Buffer.concat([
      plain.subarray(0, iend),
      chunk('eXIf', Buffer.alloc(4)),
      plain.subarray(iend),
    ]);
    expect(mayHaveOrientation(late)).toBe(true);
    expect(mayHaveOrientation(plain.subarray(0, iend))).toBe(true);
    expect(mayHaveOrientation(plain.subarray(0, 20))).toBe(true);
  });
});
