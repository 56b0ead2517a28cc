import Ocr from '@gutenye/ocr-node';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { charAccuracy } from './accuracy.js';
import { ortContext, type OrtContext } from './ort-context.js';
import { renderAll, renderPage, type Page } from './pages.js';
import { errorOf, httpRequest, modelModule, timed, type OcrScript } from './support.js';

// The OCR entry script run as the host runs it, over plain onnxruntime sessions (ort-context.ts), on
// pages rendered with known text, against @gutenye/ocr-node (the same PP-OCRv4 ONNX files) on the same
// pages. The real host is in ocr-scorer.test.ts.

interface GutenOcr {
  detect(image: Buffer): Promise<{ text: string; mean: number }[]>;
}

let score: OcrScript;
let ctx: OrtContext;
let pages: Page[];
let theirs: GutenOcr;

/** A page through run(); `type` undefined is a body without a media type (a blob, a message). */
const readAs = (body: Buffer, type: string | undefined, c: OrtContext = ctx) =>
  score.run(httpRequest(body, type), c);
const read = (png: Buffer, c: OrtContext = ctx) => readAs(png, 'image/png', c);

beforeAll(async () => {
  score = await modelModule<OcrScript>('score.ts');
  [ctx, pages, theirs] = await Promise.all([ortContext(), renderAll(), Ocr.create() as Promise<GutenOcr>]);
  await score.init(ctx);
});

describe('OCR pipeline on rendered pages', () => {
  it('reads every page with >= 95% character accuracy, no worse than ocr-node - 2 points', async () => {
    const rows: { page: string; ours: number; theirs: number; oursMs: number; theirsMs: number }[] = [];
    // One warm-up each: the first run of a session pays for ORT's allocations.
    await read(pages[0].png);
    await theirs.detect(pages[0].png);
    for (const page of pages) {
      ctx.reset();
      const expected = page.lines.join('\n');
      const ours = await timed(() => read(page.png));
      const guten = await timed(() => theirs.detect(page.png));
      rows.push({
        page: page.name,
        ours: charAccuracy(expected, ours.value.text),
        theirs: charAccuracy(expected, guten.value.map((l) => l.text).join('\n')),
        oursMs: Math.round(ours.ms),
        theirsMs: Math.round(guten.ms),
      });
    }
    const mean = (k: 'ours' | 'theirs' | 'oursMs' | 'theirsMs') =>
      rows.reduce((s, r) => s + r[k], 0) / rows.length;
    console.table([
      ...rows.map((r) => ({ ...r, ours: pct(r.ours), theirs: pct(r.theirs) })),
      {
        page: 'mean',
        ours: pct(mean('ours')),
        theirs: pct(mean('theirs')),
        oursMs: Math.round(mean('oursMs')),
        theirsMs: Math.round(mean('theirsMs')),
      },
    ]);
    for (const r of rows) expect(r.ours, r.page).toBeGreaterThanOrEqual(0.95);
    expect(mean('ours')).toBeGreaterThanOrEqual(mean('theirs') - 0.02);
  });

  it('returns lines in reading order, cells of a row on one line, boxes around the text', async () => {
    for (const page of pages) {
      const { lines, text } = await read(page.png);
      expect(lines.map((l) => l.text).join('\n'), page.name).toBe(text);
      expect(lines.length, page.name).toBe(page.lines.length);
      lines.forEach((line, i) => {
        expect(charAccuracy(page.lines[i], line.text), `${page.name} line ${i}`).toBeGreaterThan(0.8);
        const ys = line.box.map(([, y]) => y);
        expect(Math.min(...ys)).toBeLessThan(page.baselines[i]);
        expect(Math.max(...ys)).toBeGreaterThan(page.baselines[i] - 4);
        expect(Math.max(...ys)).toBeLessThan(page.baselines[i + 1] ?? Infinity);
        expect(Math.min(...line.box.map(([x]) => x))).toBeLessThan(45); // text starts at x = 40
        expect(line.confidence).toBeGreaterThan(0.5);
      });
    }
  });

  it('decodes EXIF-rotated JPEGs and transparent PNGs upright', async () => {
    const page = pages[0];
    const expected = page.lines.join('\n');
    // Stored a quarter turn counter-clockwise, with orientation 6 ("turn clockwise to view").
    const sideways = await sharp(page.png)
      .rotate(-90)
      .jpeg({ quality: 92 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    expect(charAccuracy(expected, (await readAs(sideways, 'image/jpeg')).text)).toBeGreaterThanOrEqual(0.95);
    // Black text on a transparent background: flattened onto white, not onto black.
    const { data, info } = await sharp(page.png).greyscale().raw().toBuffer({ resolveWithObject: true });
    const rgba = Buffer.alloc(info.width * info.height * 4);
    for (let i = 0; i < data.length; i++) rgba[i * 4 + 3] = 255 - data[i];
    const clear = await sharp(rgba, { raw: { width: info.width, height: info.height, channels: 4 } })
      .png()
      .toBuffer();
    expect(charAccuracy(expected, (await read(clear)).text)).toBeGreaterThanOrEqual(0.95);
  });

  it('refuses what is not an image: 400 for broken images, 415 for other media, 413 for huge ones', async () => {
    const png = pages[0].png;
    const cases: [Buffer, string | undefined, string][] = [
      [png.subarray(0, 200), 'image/png', 'UNDECODABLE_IMAGE'], // truncated
      [Buffer.from('not a picture at all'), 'image/png', 'UNDECODABLE_IMAGE'],
      [Buffer.alloc(0), 'image/jpeg', 'UNDECODABLE_IMAGE'],
      [Buffer.from('{"text": "hello"}'), 'application/json', 'UNSUPPORTED_MEDIA_TYPE'],
      [Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), 'image/svg+xml', 'UNSUPPORTED_MEDIA_TYPE'],
      [Buffer.from('plain words'), undefined, 'UNSUPPORTED_MEDIA_TYPE'],
    ];
    for (const [body, type, code] of cases) {
      const e = await errorOf(readAs(body, type));
      expect({ type, code: e.code }).toEqual({ type, code });
      expect(e).toBeInstanceOf(Error);
    }
    // Over max_image_pixels: refused from the header (413), before the pixels are decoded.
    const small = await ortContext({ max_image_pixels: 100_000 });
    await score.init(small);
    expect(await errorOf(read(png, small))).toMatchObject({ code: 'IMAGE_TOO_LARGE' });
    // An untyped body (a blob, a message) is recognised by its bytes.
    expect((await readAs(png, undefined)).lines.length).toBe(pages[0].lines.length);
  });

  it('answers a page seen before from the page cache, and batches recognition by width', async () => {
    ctx.reset();
    const first = await read(pages[2].png);
    const rec = ctx.inferCalls.filter((c) => c.session === 'rec.onnx');
    expect(ctx.inferCalls.filter((c) => c.session === 'det.onnx')).toHaveLength(1);
    // One call per padded width (at most rec_batch_num rows each), every line read once.
    expect(rec.reduce((n, c) => n + c.shape[0], 0)).toBe(pages[2].lines.length);
    expect(new Set(rec.map((c) => c.shape[3])).size).toBe(rec.length);
    for (const c of rec) expect(c.shape[3] % 32).toBe(0);
    ctx.inferCalls.length = 0;
    expect(await read(pages[2].png)).toEqual(first);
    expect(ctx.inferCalls).toHaveLength(0);
  });

  it('with use_angle_cls (and page orientation off), reads the lines of a page turned upside down', async () => {
    // Page orientation (on by default) would turn the page first: ocr-orientation.test.ts.
    const flipped = await ortContext({ use_angle_cls: true, detect_orientation: false });
    await score.init(flipped);
    const page = await renderPage('upside-down', ['Invoice number 2024-0917', 'Total due: 193.93 EUR']);
    const png = await sharp(page.png).rotate(180).png().toBuffer();
    // Each line turned by the classifier; the page is not, so the last line comes first.
    const expected = [...page.lines].reverse().join('\n');
    expect(charAccuracy(expected, (await read(png, flipped)).text)).toBeGreaterThanOrEqual(0.95);
    expect(flipped.inferCalls.some((c) => c.session === 'cls.onnx')).toBe(true);
  });
});

function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}
