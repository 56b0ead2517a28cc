import { beforeAll, describe, expect, it } from 'vitest';
import { ortContext, type OrtContext } from './ort-context.js';
import { PAGE_TEXTS, renderLines, type PlacedLine } from './pages.js';
import { httpRequest, modelModule, type OcrScript } from './support.js';

// The recognition cache's line keys (models/ocr/lib/line-key.ts): the same for a line wherever the
// detector puts its box, never the same for two different lines.

type Quad = [[number, number], [number, number], [number, number], [number, number]];
type Image = Awaited<ReturnType<typeof import('../../../models/ocr/lib/image.js').decodeImage>>;
type Mat = import('../../../models/ocr/lib/opencv.js').Mat;
interface Modules {
  inkKey: typeof import('../../../models/ocr/lib/line-key.js').inkKey;
  decodeImage: typeof import('../../../models/ocr/lib/image.js').decodeImage;
  cropQuad: typeof import('../../../models/ocr/lib/crop.js').cropQuad;
  cv: typeof import('../../../models/ocr/lib/opencv.js').cv;
  loadOpencv: typeof import('../../../models/ocr/lib/opencv.js').loadOpencv;
}

let m: Modules;
let score: OcrScript;
let ctx: OrtContext;
const KEY = { pipeline: 'test', maxWidth: 1920, widthStep: 32 };

beforeAll(async () => {
  m = {
    ...(await modelModule<Pick<Modules, 'inkKey'>>('lib/line-key.ts')),
    ...(await modelModule<Pick<Modules, 'decodeImage'>>('lib/image.ts')),
    ...(await modelModule<Pick<Modules, 'cropQuad'>>('lib/crop.ts')),
    ...(await modelModule<Pick<Modules, 'cv' | 'loadOpencv'>>('lib/opencv.ts')),
  };
  score = await modelModule<OcrScript>('score.ts');
  ctx = await ortContext();
  await Promise.all([m.loadOpencv(), score.init(ctx)]);
});

/** One line at `baseline` (28 px) on a page `height` tall, decoded as the pipeline decodes it. */
async function page(lines: PlacedLine[], height: number): Promise<Image> {
  const { png } = await renderLines('key', lines, height);
  return m.decodeImage(png, 1e8);
}
const at = (text: string, baseline: number): PlacedLine => ({ text, baseline, size: 28 });

/** The bounding rectangle of the pixels that are not white in rows y0..y1. */
function inkRect(img: Image, y0: number, y1: number): { x0: number; y0: number; x1: number; y1: number } {
  const r = { x0: Infinity, y0: Infinity, x1: -1, y1: -1 };
  for (let y = y0; y <= y1; y++) {
    for (let x = 0; x < img.width; x++) {
      const i = (y * img.width + x) * 3;
      if (img.data[i] + img.data[i + 1] + img.data[i + 2] === 765) continue;
      r.x0 = Math.min(r.x0, x);
      r.x1 = Math.max(r.x1, x);
      r.y0 = Math.min(r.y0, y);
      r.y1 = Math.max(r.y1, y);
    }
  }
  return r;
}

/** A box around rows y0..y1's ink, its sides moved out by [left, top, right, bottom] pixels. */
function boxAround(img: Image, y0: number, y1: number, [l, t, r, b]: number[], tilt = 0): Quad {
  const ink = inkRect(img, y0, y1);
  return [
    [ink.x0 - l, ink.y0 - t],
    [ink.x1 + 1 + r, ink.y0 - t + tilt],
    [ink.x1 + 1 + r, ink.y1 + 1 + b + tilt],
    [ink.x0 - l, ink.y1 + 1 + b],
  ];
}

describe('OCR line keys', () => {
  it('are the same for a line under box jitter, at another height, on a page of another size', async () => {
    const line = PAGE_TEXTS.letter[1];
    const a = await page([at(PAGE_TEXTS.letter[0], 80), at(line, 130), at(PAGE_TEXTS.letter[2], 180)], 400);
    const b = await page([at('Re: your order of 12 March', 70), at(line, 157), at('Thank you.', 230)], 520);
    const jitters = [
      [4, 6, 3, 8],
      [6, 8, 5, 10],
      [2, 3, 1, 5],
      [0, 0, 1, 1], // the ink up to the crop's edges: an axis-aligned crop is an exact copy
      [5, 9, 2, 6],
    ];
    const keys = new Set<string | undefined>();
    for (const [img, baseline] of [
      [a, 130],
      [b, 157],
    ] as const) {
      for (const j of jitters)
        keys.add(m.inkKey(img, boxAround(img, baseline - 28, baseline + 8, j), false, KEY));
      // Tilted boxes (resampled crops), as the detector often gives: 2-4 px over the line.
      for (const tilt of [2, -3, 4])
        keys.add(m.inkKey(img, boxAround(img, baseline - 28, baseline + 8, [5, 7, 4, 7], tilt), false, KEY));
    }
    expect(keys.size).toBe(1);
    expect([...keys][0]).toMatch(/^rec:ink:[0-9a-f]{64}$/);
    // What the key stands for is what the recognizer is given: an axis-aligned crop is the page's pixels.
    const box = boxAround(a, 102, 138, [4, 6, 3, 8]);
    const pageMat = m.cv().matFromArray(a.height, a.width, m.cv().CV_8UC3, a.data);
    let crop: Mat | undefined;
    try {
      crop = m.cropQuad(pageMat, box);
      const [[x0, y0], [x1], , [, y1]] = box;
      const expected = Buffer.concat(
        Array.from({ length: y1 - y0 }, (_, k) =>
          a.data.subarray(((y0 + k) * a.width + x0) * 3, ((y0 + k) * a.width + x1) * 3),
        ),
      );
      expect(Buffer.from(crop.data).equals(expected)).toBe(true);
    } finally {
      crop?.delete();
      pageMat.delete();
    }
    // What the recognition row is made with is part of the key.
    const ref = boxAround(a, 102, 138, [4, 6, 3, 8]);
    expect(m.inkKey(a, ref, false, { ...KEY, widthStep: 16 })).not.toBe([...keys][0]);
    expect(m.inkKey(a, ref, false, { ...KEY, maxWidth: 960 })).not.toBe([...keys][0]);
    expect(m.inkKey(a, ref, false, { ...KEY, pipeline: 'other' })).not.toBe([...keys][0]);
    expect(m.inkKey(a, ref, true, KEY)).not.toBe([...keys][0]); // turned by the angle classifier
  });

  it('are never the same for two different lines', async () => {
    // Each line alone at the same place on a page of the same size, keyed with the same box: lines one
    // character apart, and "l", "1", "I" (nearly the same bar in DejaVu Sans).
    const texts = [
      'Total due: 193.93 EUR',
      'Total due: 198.93 EUR',
      'Total due: 193.93 EUR.',
      'Total due: 193,93 EUR',
      'Call l now',
      'Call 1 now',
      'Call I now',
      'Room l017',
      'Room 1017',
      'Room I017',
      'l',
      '1',
      'I',
    ];
    const imgs = await Promise.all(texts.map((t) => page([at(t, 100)], 200)));
    const box: Quad = [
      [30, 60],
      [420, 60],
      [420, 115],
      [30, 115],
    ];
    const keys = imgs.map((img) => m.inkKey(img, box, false, KEY));
    for (const k of keys) expect(k).toMatch(/^rec:ink:/);
    expect(new Set(keys).size).toBe(texts.length);

    // No threshold: a mark one level off white, away from the text but in the crop, is in the key.
    const mark = async (y: number, level: number) => {
      const img = await page([at(texts[0], 100)], 200);
      img.data.fill(level, (y * img.width + 400) * 3, (y * img.width + 401) * 3);
      return m.inkKey(img, box, false, KEY);
    };
    expect(await mark(110, 254)).toMatch(/^rec:ink:/);
    expect(await mark(110, 254)).not.toBe(keys[0]);
    // On the box's edge (row 115, just below the crop) it may be ink the box cuts: no key. Further out,
    // it is none of the crop's business.
    expect(await mark(115, 0)).toBeUndefined();
    expect(await mark(116, 0)).toBe(keys[0]);
  });

  it('are not given when the crop would cut the ink, hold other ink at its edge, or is far from upright', async () => {
    const img = await page([at(PAGE_TEXTS.letter[1], 100), at('Hello', 140)], 200);
    const line = inkRect(img, 72, 110);
    const next = inkRect(img, 111, 150);
    const whole = (j: number[], tilt = 0) => m.inkKey(img, boxAround(img, 72, 110, j, tilt), false, KEY);
    expect(whole([4, 4, 4, 0])).toMatch(/^rec:ink:/);
    expect(whole([4, 4, -2, 0])).toBeUndefined(); // the box's right edge cuts the last character
    expect(whole([-1, 4, 4, 0])).toBeUndefined(); // its left edge cuts the first
    expect(whole([4, 4, 0, 0])).toMatch(/^rec:ink:/); // the last column and row of ink are the crop's last
    // Tilted: resampled, so a pixel to spare is needed.
    expect(whole([4, 4, 1, 4], 2)).toMatch(/^rec:ink:/);
    expect(whole([4, 4, 0, 4], 2)).toBeUndefined();
    // Down to the row above the next line's ink, and down to its first row (part of it in the crop).
    const gap = next.y0 - line.y1;
    expect(gap).toBeGreaterThan(3);
    expect(whole([4, 4, 4, gap - 2])).toMatch(/^rec:ink:/);
    expect(whole([4, 4, 4, gap])).toBeUndefined();
    expect(whole([4, 4, 4, 0], 60)).toBeUndefined(); // steeper than 0.1
  });

  it('reads with a warm cache exactly as with a cold one; a changed line is run again', async () => {
    const base = ['Total due: 193.93 EUR', 'Call l now', 'Room 1017', 'Questions? Call us at 0800 555 0199.'];
    const variants = [
      ['Total due: 198.93 EUR', base[1], base[2], base[3]],
      [base[0], 'Call 1 now', base[2], base[3]],
      [base[0], 'Call I now', base[2], base[3]],
      [base[0], base[1], 'Room I017', base[3]],
      [base[0], base[1], base[2], 'Questions? Call us at 0800 555 0190.'],
    ];
    const render = (lines: string[]) =>
      renderLines(
        'variant',
        lines.map((t, i) => at(t, 80 + i * 60)),
        340,
      );
    const recRows = () =>
      ctx.inferCalls.filter((c) => c.session === 'rec.onnx').reduce((n, c) => n + c.shape[0], 0);
    const cold = async (png: Buffer) => {
      const fresh = await ortContext(); // its own, empty cache
      return (await score.run(httpRequest(png, 'image/png'), fresh)).text;
    };
    ctx.reset();
    await score.run(httpRequest((await render(base)).png, 'image/png'), ctx);
    for (const lines of variants) {
      const { png } = await render(lines);
      const before = recRows();
      const warm = await score.run(httpRequest(png, 'image/png'), ctx);
      expect(recRows() - before, lines.join(' | ')).toBe(1);
      expect(warm.text).toBe(await cold(png));
    }
  });
});
