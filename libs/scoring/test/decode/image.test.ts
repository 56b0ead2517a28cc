import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { imageTensorRow } from '../../src/decode/image.js';
import type { ScoringError } from '../../src/errors.js';
import { parseImagePreprocessing, type ImagePreprocessing } from '../../src/model/image-preprocessing.js';

const limits = { maxImagePixels: 1000 * 1000 };

type Pixel = number[];

/** A PNG (or JPEG) of `rows` of pixels, each [gray], [gray, alpha], [r, g, b] or [r, g, b, alpha]. */
function encode(rows: Pixel[][], format: 'png' | 'jpeg' = 'png'): sharp.Sharp {
  const channels = rows[0][0].length as 1 | 2 | 3 | 4;
  const buf = Buffer.from(rows.flat(2));
  const image = sharp(buf, { raw: { width: rows[0].length, height: rows.length, channels } });
  return format === 'png' ? image.png() : image.jpeg({ quality: 95 });
}

async function png(rows: Pixel[][]): Promise<Buffer> {
  return encode(rows).toBuffer();
}

function pre(raw: Record<string, unknown>): ImagePreprocessing {
  return parseImagePreprocessing(raw, 'test');
}

function expectClose(actual: Float32Array, expected: number[], tolerance = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  const worst = Math.max(...expected.map((e, i) => Math.abs(actual[i] - e)));
  if (worst > tolerance) expect(Array.from(actual)).toEqual(expected);
}

/** Rec.709 luminance in linear light, as libvips' grayscale computes it: the reference for the gray path. */
function luminance([r, g, b]: Pixel): number {
  const lin = (v: number) => (v / 255 <= 0.04045 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4);
  const y = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  return 255 * (y <= 0.0031308 ? 12.92 * y : 1.055 * y ** (1 / 2.4) - 0.055);
}

async function codeOf(p: Promise<unknown>): Promise<[string, string]> {
  try {
    await p;
  } catch (e) {
    return [(e as ScoringError).code, (e as Error).message];
  }
  return ['no error', ''];
}

// 3x2, every sample distinct so any mix-up of channels, rows or columns shows.
const RGB: Pixel[][] = [
  [
    [10, 20, 30],
    [40, 50, 60],
    [70, 80, 90],
  ],
  [
    [100, 110, 120],
    [130, 140, 150],
    [160, 170, 180],
  ],
];
const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

describe('imageTensorRow: colour and layout', () => {
  const pixels = RGB.flat();
  const value = (p: Pixel, c: number, bgr: boolean) => (p[bgr ? 2 - c : c] / 255 - MEAN[c]) / STD[c];

  for (const color of ['rgb', 'bgr'] as const) {
    const bgr = color === 'bgr';
    const base = { width: 3, height: 2, color, mean: MEAN, std: STD };

    it(`${color} NCHW: one plane per channel, in the model's channel order`, async () => {
      const row = await imageTensorRow(await png(RGB), pre({ ...base, layout: 'NCHW' }), limits);
      expectClose(
        row,
        [0, 1, 2].flatMap((c) => pixels.map((p) => value(p, c, bgr))),
      );
    });

    for (const layout of ['NHWC', 'flat'] as const) {
      it(`${color} ${layout}: channels interleaved per pixel`, async () => {
        const row = await imageTensorRow(await png(RGB), pre({ ...base, layout }), limits);
        expectClose(
          row,
          pixels.flatMap((p) => [0, 1, 2].map((c) => value(p, c, bgr))),
        );
      });
    }
  }

  it('applies one mean and std to every channel', async () => {
    const row = await imageTensorRow(
      await png(RGB),
      pre({ width: 3, height: 2, layout: 'NHWC', scale: 1, mean: [100], std: [50] }),
      limits,
    );
    expectClose(
      row,
      pixels.flat().map((v) => (v - 100) / 50),
    );
  });

  it('gives gray images three equal channels for an RGB model', async () => {
    const row = await imageTensorRow(
      await png([[[0], [128], [255]]]),
      pre({ width: 3, height: 1, layout: 'NHWC' }),
      limits,
    );
    expectClose(
      row,
      [0, 0, 0, 128, 128, 128, 255, 255, 255].map((v) => v / 255),
    );
  });

  it('turns colour into luminance for a gray model', async () => {
    const row = await imageTensorRow(await png(RGB), pre({ width: 3, height: 2, color: 'gray' }), limits);
    // Within one level of 255: the gray path keeps libvips' 8-bit flatten (see gray-pixels.ts).
    expectClose(
      row,
      pixels.map((p) => luminance(p) / 255),
      1 / 255,
    );
    const gray = await imageTensorRow(
      await png([[[7], [200]]]),
      pre({ width: 2, height: 1, color: 'gray', mean: 0.5, std: 0.25 }),
      limits,
    );
    expectClose(gray, [(7 / 255 - 0.5) / 0.25, (200 / 255 - 0.5) / 0.25]);
  });

  it('inverts before scaling', async () => {
    const row = await imageTensorRow(
      await png([[[0], [30], [255]]]),
      pre({ width: 3, height: 1, color: 'gray', invert: true, scale: 1 }),
      limits,
    );
    expectClose(row, [255, 225, 0]);
    const rgb = await imageTensorRow(
      await png(RGB),
      pre({ width: 3, height: 2, layout: 'NHWC', invert: true, scale: 1, mean: [1, 2, 3] }),
      limits,
    );
    expectClose(
      rgb,
      pixels.flatMap((p) => p.map((v, c) => 255 - v - (c + 1))),
    );
  });
});

describe('imageTensorRow: transparency', () => {
  // Opaque, half transparent, fully transparent.
  const RGBA: Pixel[][] = [
    [
      [200, 100, 50, 255],
      [200, 100, 50, 128],
      [200, 100, 50, 0],
    ],
  ];
  const over = (v: number, a: number, bg: number) => v * (a / 255) + bg * (1 - a / 255);

  for (const background of [0, 255]) {
    it(`composites colour over background ${background}`, async () => {
      const row = await imageTensorRow(
        await png(RGBA),
        pre({ width: 3, height: 1, layout: 'NHWC', scale: 1, background }),
        limits,
      );
      // Within one level: libvips' flatten truncates the composite to 8 bits.
      expectClose(
        row,
        RGBA[0].flatMap(([r, g, b, a]) => [r, g, b].map((v) => over(v, a, background))),
        1,
      );
      expect(Array.from(row.subarray(6))).toEqual([background, background, background]);
    });

    it(`composites gray over background ${background}`, async () => {
      const row = await imageTensorRow(
        await png([
          [
            [90, 255],
            [90, 64],
            [90, 0],
          ],
        ]),
        pre({ width: 3, height: 1, color: 'gray', scale: 1, background }),
        limits,
      );
      expectClose(row, [90, over(90, 64, background), background], 1e-4);
    });
  }

  it('defaults to black under transparency, white for inverted models: both black once inverted', async () => {
    const clear = await png([[[0, 0, 0, 0]]]);
    const plain = await imageTensorRow(clear, pre({ width: 1, height: 1, color: 'gray', scale: 1 }), limits);
    const inverted = await imageTensorRow(
      clear,
      pre({ width: 1, height: 1, color: 'gray', scale: 1, invert: true }),
      limits,
    );
    expect([plain[0], inverted[0]]).toEqual([0, 0]);
  });
});

describe('imageTensorRow: resize', () => {
  // 4x2: each pixel its own colour.
  const WIDE: Pixel[][] = [0, 1].map((y) =>
    [0, 1, 2, 3].map((x) => [10 + x * 20 + y * 100, 50, 200 - x * 10]),
  );

  it('fit letterboxes a 4x2 image into 4x4 with background rows above and below', async () => {
    const p = pre({
      width: 4,
      height: 4,
      resize: 'fit',
      layout: 'NCHW',
      background: 255,
      mean: MEAN,
      std: STD,
    });
    const row = await imageTensorRow(await png(WIDE), p, limits);
    const pad: Pixel[] = [0, 1, 2, 3].map(() => [255, 255, 255]);
    const rows = [pad, ...WIDE, pad];
    expectClose(
      row,
      [0, 1, 2].flatMap((c) => rows.flat().map((px) => (px[c] / 255 - MEAN[c]) / STD[c])),
    );
  });

  it('fit pads gray models with the background, inverted like the image', async () => {
    const p = pre({
      width: 4,
      height: 4,
      resize: 'fit',
      color: 'gray',
      invert: true,
      background: 200,
      scale: 1,
    });
    const gray: Pixel[][] = [
      [[0], [60], [120], [180]],
      [[30], [90], [150], [210]],
    ];
    const row = await imageTensorRow(await png(gray), p, limits);
    const pad = [55, 55, 55, 55];
    expectClose(row, [...pad, ...gray.flat().map(([v]) => 255 - v), ...pad]);
  });

  it('crop scales the shorter side to the target and keeps the centre of a 6x2 image', async () => {
    const six: Pixel[][] = [0, 1].map((y) => [0, 1, 2, 3, 4, 5].map((x) => [x * 40 + y, y * 200, 7]));
    const row = await imageTensorRow(
      await png(six),
      pre({ width: 2, height: 2, resize: 'crop', layout: 'NHWC', scale: 1 }),
      limits,
    );
    expectClose(row, [six[0][2], six[0][3], six[1][2], six[1][3]].flat());
  });

  it('stretch ignores the aspect ratio', async () => {
    const flat = await png([
      [
        [40, 40, 40],
        [40, 40, 40],
        [40, 40, 40],
        [40, 40, 40],
      ],
    ]);
    const row = await imageTensorRow(flat, pre({ width: 2, height: 3, color: 'gray', scale: 1 }), limits);
    expectClose(row, [40, 40, 40, 40, 40, 40]);
  });
});

describe('imageTensorRow: EXIF orientation', () => {
  // 40x20 stored: left half red, right half blue. Orientation 6 means "turn 90° clockwise to view": the
  // upright image is 20x40 with red on top; 8 turns it the other way, red at the bottom.
  const RED = [255, 0, 0];
  const BLUE = [0, 0, 255];
  const stored: Pixel[][] = Array.from({ length: 20 }, () =>
    Array.from({ length: 40 }, (_, x) => (x < 20 ? RED : BLUE)),
  );
  const p = pre({ width: 20, height: 40, layout: 'NHWC', scale: 1 });
  const at = (row: Float32Array, x: number, y: number) =>
    Array.from(row.subarray((y * 20 + x) * 3, (y * 20 + x) * 3 + 3));
  const near = (actual: number[], expected: number[]) =>
    expect(Math.max(...actual.map((v, i) => Math.abs(v - expected[i])))).toBeLessThan(24);

  for (const [format, orientation, top, bottom] of [
    ['png', 6, RED, BLUE],
    ['png', 8, BLUE, RED],
    ['jpeg', 6, RED, BLUE],
  ] as const) {
    it(`turns a ${format} with orientation ${orientation} upright before resizing`, async () => {
      const bytes = await encode(stored, format).withMetadata({ orientation }).toBuffer();
      const row = await imageTensorRow(bytes, p, limits);
      // Block centres: JPEG blurs the edge between the halves.
      near(at(row, 10, 8), [...top]);
      near(at(row, 10, 31), [...bottom]);
      near(at(row, 2, 2), [...top]);
      near(at(row, 17, 37), [...bottom]);
    });
  }

  it('leaves images without orientation as stored', async () => {
    const row = await imageTensorRow(await encode(stored).toBuffer(), p, limits);
    // Stretched 40x20 -> 20x40: red stays left, blue right.
    near(at(row, 2, 20), RED);
    near(at(row, 17, 20), BLUE);
  });
});

describe('imageTensorRow: refusals', () => {
  const p = pre({ width: 4, height: 4, color: 'gray' });

  it('refuses a PNG whose header claims 50000x50000 from the header alone', async () => {
    const forged = Buffer.from(await png([[[9]]]));
    // IHDR width and height live at bytes 16..24, its CRC (over type and data) at 29..33. The CRC is made
    // right so that the limit, not the checksum, is what refuses the file; its pixels are never there.
    forged.writeUInt32BE(50000, 16);
    forged.writeUInt32BE(50000, 20);
    forged.writeUInt32BE(crc32(forged.subarray(12, 29)), 29);
    const [code, message] = await codeOf(imageTensorRow(forged, p, limits));
    expect(code).toBe('IMAGE_TOO_LARGE');
    expect(message).toBe(
      'the image is 50000x50000 (2500000000 pixels); the limit is 1000000 pixels (MAX_IMAGE_PIXELS)',
    );
  });

  it('refuses a real image over the pixel limit, in colour too', async () => {
    const big = await sharp({ create: { width: 100, height: 60, channels: 3, background: '#123456' } })
      .jpeg()
      .toBuffer();
    const [code, message] = await codeOf(
      imageTensorRow(big, pre({ width: 4, height: 4 }), { maxImagePixels: 5000 }),
    );
    expect(code).toBe('IMAGE_TOO_LARGE');
    expect(message).toBe('the image is 100x60 (6000 pixels); the limit is 5000 pixels (MAX_IMAGE_PIXELS)');
  });

  it('refuses bytes that are no image, and truncated images', async () => {
    const whole = await png([
      [[1], [2]],
      [[3], [4]],
    ]);
    for (const bytes of [Buffer.from('certainly not an image'), Buffer.alloc(0), whole.subarray(0, 30)]) {
      const [code, message] = await codeOf(imageTensorRow(bytes, p, limits));
      expect(code).toBe('UNDECODABLE_IMAGE');
      expect(message).toMatch(/^the (image cannot be decoded: |body is no image|PNG has no valid IHDR)/);
    }
  });
});
