// Our flatten + grayscale against libvips' own (what imageToRow used before), on pseudo-random pixels.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { grayPixels } from '../../src/decode/gray-pixels.js';

const W = 16;

async function compare(channels: 1 | 2 | 3 | 4, background: number): Promise<number> {
  const px = Buffer.alloc(W * W * channels);
  for (let i = 0; i < px.length; i++) px[i] = (i * 7919 + 13) % 256;
  const input = sharp(px, { raw: { width: W, height: W, channels } });
  const png = await input.png().toBuffer();
  const bg = { r: background, g: background, b: background };
  const reference = await sharp(png)
    .flatten({ background: bg })
    .grayscale()
    .extractChannel(0)
    .raw()
    .toBuffer();
  const { data, info } = await sharp(png).raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  const ours = grayPixels(data, info.channels, background);
  let worst = 0;
  for (let i = 0; i < W * W; i++) worst = Math.max(worst, Math.abs(ours[i] - reference[i]));
  return worst;
}

describe('grayPixels', () => {
  for (const channels of [1, 2, 3, 4] as const) {
    for (const background of [0, 128, 255]) {
      it(`matches libvips within 2 levels: ${channels} channels over ${background}`, async () => {
        expect(await compare(channels, background)).toBeLessThanOrEqual(2);
      });
    }
  }

  it('keeps gray values exact and refuses other channel counts', () => {
    expect(Array.from(grayPixels(Uint8Array.from([7, 7, 7, 200, 200, 200]), 3, 0))).toEqual([7, 200]);
    expect(Array.from(grayPixels(Uint8Array.from([255, 0]), 2, 255))).toEqual([255]);
    expect(() => grayPixels(new Uint8Array(5), 5, 0)).toThrow(RangeError);
  });
});
