import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImage, imageTensorRow } from '../../src/decode/image.js';
import {
  identityGeometry,
  imageGeometry,
  imageRectInInput,
  inputRectInSent,
  toInputPoint,
  toSentBox,
  toSentPoint,
} from '../../src/decode/image-geometry.js';
import { parseImagePreprocessing } from '../../src/model/image-preprocessing.js';

describe('imageGeometry: the transform of each resize', () => {
  it('stretch scales each axis to the input, no offset', () => {
    expect(imageGeometry(640, 480, { width: 320, height: 320, resize: 'stretch' })).toEqual({
      width: 640,
      height: 480,
      inputWidth: 320,
      inputHeight: 320,
      resize: 'stretch',
      scaleX: 0.5,
      scaleY: 320 / 480,
      offsetX: 0,
      offsetY: 0,
    });
  });

  it('fit scales by the smaller ratio and letterboxes the rest, padding split floor-first', () => {
    // 640x480 into 320x320: s = 0.5, resized 320x240, 80 rows of padding: 40 above, 40 below.
    expect(imageGeometry(640, 480, { width: 320, height: 320, resize: 'fit' })).toMatchObject({
      scaleX: 0.5,
      scaleY: 0.5,
      offsetX: 0,
      offsetY: 40,
    });
    // 101x37 into 64x64: s = 64/101, resized 64 x round(23.45) = 23, padding 41: 20 above, 21 below.
    const g = imageGeometry(101, 37, { width: 64, height: 64, resize: 'fit' });
    expect(g).toMatchObject({ scaleX: 64 / 101, scaleY: 23 / 37, offsetX: 0, offsetY: 20 });
    expect(imageRectInInput(g)).toEqual({ left: 0, top: 20, width: 64, height: 23 });
  });

  it('crop scales by the larger ratio and cuts the centre', () => {
    // 200x100 into 50x50: s = 0.5, resized 100x50, 50 columns cut: from floor(51 / 2) = 25.
    const g = imageGeometry(200, 100, { width: 50, height: 50, resize: 'crop' });
    expect(g).toMatchObject({ scaleX: 0.5, scaleY: 0.5, offsetX: -25, offsetY: 0 });
    expect(imageRectInInput(g)).toEqual({ left: 0, top: 0, width: 50, height: 50 });
    expect(inputRectInSent(g)).toEqual({ left: 50, top: 0, width: 100, height: 100 });
  });

  it('identity: tensor rows are in model-input pixels', () => {
    const g = identityGeometry({ width: 28, height: 28 });
    expect(toSentPoint(g, 3.5, 7)).toEqual([3.5, 7]);
    expect(imageRectInInput(g)).toEqual({ left: 0, top: 0, width: 28, height: 28 });
  });
});

describe('mapping points and boxes back to the sent image', () => {
  const fit = imageGeometry(640, 480, { width: 320, height: 320, resize: 'fit' });

  it('toSentPoint inverts toInputPoint', () => {
    for (const g of [
      fit,
      imageGeometry(101, 37, { width: 64, height: 64, resize: 'crop' }),
      imageGeometry(33, 77, { width: 20, height: 10, resize: 'stretch' }),
    ]) {
      const [x, y] = toInputPoint(g, 12.25, 30.5);
      const [sx, sy] = toSentPoint(g, x, y);
      expect(sx).toBeCloseTo(12.25, 9);
      expect(sy).toBeCloseTo(30.5, 9);
    }
  });

  it('a letterboxed box loses the padding offset and the scale', () => {
    // Model-input box (100, 90)-(200, 190): sent (200, 100)-(400, 300).
    expect(toSentBox(fit, [100, 90, 200, 190])).toEqual([200, 100, 400, 300]);
  });

  it('boxes reaching into the padding or past the edges are clipped to the image', () => {
    // y 20 is in the top padding (sent y -40), x 330 past the input (sent 660 > 640).
    expect(toSentBox(fit, [-10, 20, 330, 100])).toEqual([0, 0, 640, 120]);
    // Wholly in the bottom padding: zero height at the bottom edge.
    expect(toSentBox(fit, [10, 290, 50, 310])).toEqual([20, 480, 100, 480]);
  });

  it('corners given in the wrong order are put in order', () => {
    expect(toSentBox(fit, [200, 190, 100, 90])).toEqual([200, 100, 400, 300]);
  });

  it('a crop box maps into the kept centre', () => {
    const g = imageGeometry(200, 100, { width: 50, height: 50, resize: 'crop' });
    expect(toSentBox(g, [0, 0, 50, 50])).toEqual([50, 0, 150, 100]);
  });
});

/** The bounding rectangle of the pixels brighter than mid-gray in a gray row of w x h. */
function brightRect(row: Float32Array, w: number, h: number) {
  let left = w;
  let top = h;
  let right = 0;
  let bottom = 0;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      if (row[y * w + x] > 127) {
        left = Math.min(left, x);
        top = Math.min(top, y);
        right = Math.max(right, x + 1);
        bottom = Math.max(bottom, y + 1);
      }
  return { left, top, width: right - left, height: bottom - top };
}

async function white(w: number, h: number): Promise<Buffer> {
  return sharp({ create: { width: w, height: h, channels: 3, background: { r: 255, g: 255, b: 255 } } })
    .png()
    .toBuffer();
}

describe('the geometry is what the decode does (sharp)', () => {
  const limits = { maxImagePixels: 10_000_000 };
  const gray = (width: number, height: number, resize: string) =>
    parseImagePreprocessing({ width, height, color: 'gray', scale: 1, resize, background: 0 }, 'test');

  it.each([
    [101, 37, 64, 64],
    [37, 101, 64, 48],
    [640, 480, 320, 320],
    [300, 301, 17, 29],
  ])('fit: a white %ix%i image letterboxed into %ix%i fills imageRectInInput', async (w, h, W, H) => {
    const pre = gray(W, H, 'fit');
    const row = await imageTensorRow(await white(w, h), pre, limits);
    expect(brightRect(row, W, H)).toEqual(imageRectInInput(imageGeometry(w, h, pre)));
  });

  it.each([
    [200, 100, 50, 50],
    [101, 37, 32, 32],
    [37, 101, 24, 40],
  ])('crop: a white stripe of a %ix%i image lands where toInputPoint says (%ix%i)', async (w, h, W, H) => {
    const pre = gray(W, H, 'crop');
    const g = imageGeometry(w, h, pre);
    // A white band across the sent image's centre third, on black.
    const x1 = Math.round(w / 3);
    const x2 = Math.round((2 * w) / 3);
    const band = await sharp({ create: { width: w, height: h, channels: 3, background: '#000' } })
      .composite([{ input: await white(x2 - x1, h), left: x1, top: 0 }])
      .png()
      .toBuffer();
    const row = await imageTensorRow(band, pre, limits);
    const seen = brightRect(row, W, H);
    const [mx1] = toInputPoint(g, x1, 0);
    const [mx2] = toInputPoint(g, x2, 0);
    // Resampling blurs an edge over a pixel: the bright columns start and end within one of the mapping.
    expect(Math.abs(seen.left - mx1)).toBeLessThanOrEqual(1);
    expect(Math.abs(seen.left + seen.width - mx2)).toBeLessThanOrEqual(1);
    expect(seen.height).toBe(H);
  });
});

describe('decodeImage: the geometry of the image as decoded', () => {
  const limits = { maxImagePixels: 10_000_000 };
  const pre = parseImagePreprocessing({ width: 16, height: 16, resize: 'fit' }, 'test');
  const stored = (format: 'png' | 'jpeg') =>
    sharp({ create: { width: 40, height: 20, channels: 3, background: '#808080' } })[format]();

  it.each(['png', 'jpeg'] as const)('an upright %s: its stored size', async (format) => {
    const { geometry } = await decodeImage(await stored(format).toBuffer(), pre, limits);
    expect(geometry).toEqual(imageGeometry(40, 20, pre));
  });

  it.each([
    ['png', 6],
    ['jpeg', 6],
    ['jpeg', 8],
    ['jpeg', 3],
  ] as const)('a %s with EXIF orientation %i: the upright size', async (format, orientation) => {
    const bytes = await stored(format).withMetadata({ orientation }).toBuffer();
    const { geometry } = await decodeImage(bytes, pre, limits);
    expect(geometry).toEqual(orientation >= 5 ? imageGeometry(20, 40, pre) : imageGeometry(40, 20, pre));
  });
});
