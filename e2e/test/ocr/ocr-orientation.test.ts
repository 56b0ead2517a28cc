import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { charAccuracy } from './accuracy.js';
import { ortContext, type OrtContext } from './ort-context.js';
import { CHINESE_PAGE_TEXTS, PAGE_TEXTS, renderChinesePage, renderPage, type Page } from './pages.js';
import { makePdf } from '@modelfn/model-builder';
import { httpRequest, modelModule, type OcrScript } from './support.js';

// Pages turned 0, 90, 180 and 270 degrees (a landscape scan, a page fed upside down) read in reading
// order, and the answer says the turn it found. Rendered pages, Latin and Chinese, turned with sharp.

interface Answer {
  text: string;
  rotation: number;
  lines: { text: string; box: [number, number][] }[];
}

let score: OcrScript;
let ctx: OrtContext;
let pages: Page[];

const read = async (png: Buffer, c: OrtContext = ctx) =>
  (await score.run(httpRequest(png, 'image/png'), c)) as unknown as Answer;
const turned = (png: Buffer, degrees: number) => sharp(png).rotate(degrees).png().toBuffer();

beforeAll(async () => {
  score = await modelModule<OcrScript>('score.ts');
  ctx = await ortContext();
  pages = await Promise.all([
    ...['letter', 'invoice', 'story'].map((n) => renderPage(n, PAGE_TEXTS[n])),
    ...Object.entries(CHINESE_PAGE_TEXTS).map(([n, lines]) => renderChinesePage(n, lines)),
  ]);
  await score.init(ctx);
});

describe('page orientation', () => {
  it.each([0, 90, 180, 270])('reads pages turned %i° upright, in reading order', async (degrees) => {
    for (const page of pages) {
      const png = await turned(page.png, degrees);
      // Nothing from an earlier read: a page turned back is pixel for pixel the upright one, whose lines
      // the line cache would otherwise answer.
      ctx.reset();
      const answer = await read(png);
      const accuracy = charAccuracy(page.lines.join('\n'), answer.text);
      expect({ page: page.name, rotation: answer.rotation }).toEqual({ page: page.name, rotation: degrees });
      expect({ page: page.name, accuracy: accuracy >= 0.95 }).toEqual({ page: page.name, accuracy: true });
      expect(answer.lines).toHaveLength(page.lines.length);
      // Boxes are in the pixels of the page as sent: inside it, and the first line's TL→TR runs the way
      // the text was turned (right at 0°, down at 90°, left at 180°, up at 270°).
      const { width, height } = await sharp(png).metadata();
      for (const l of answer.lines) {
        for (const [x, y] of l.box) {
          expect(x >= 0 && x <= width && y >= 0 && y <= height).toBe(true);
        }
      }
      const [tl, tr] = answer.lines[0].box;
      const direction = Math.round((Math.atan2(tr[1] - tl[1], tr[0] - tl[0]) * 180) / Math.PI);
      expect((direction + 360) % 360).toBe(degrees);
    }
  });

  // A scan fed askew: every line tilted alike. Lines are grouped on the page turned level by the boxes'
  // median slant; by their upright bounding boxes, neighbouring lines shared a row from 4° (43 % at 5°).
  it.each([-10, -4, 5, 15, 20])(
    'reads pages askew by %i° line by line, in reading order',
    async (degrees) => {
      for (const page of pages) {
        const png = await sharp(page.png).rotate(degrees, { background: '#fff' }).png().toBuffer();
        ctx.reset();
        const answer = await read(png);
        const accuracy = charAccuracy(page.lines.join('\n'), answer.text);
        expect({ page: page.name, rotation: answer.rotation }).toEqual({ page: page.name, rotation: 0 });
        expect({ page: page.name, accuracy: accuracy >= 0.95 }).toEqual({ page: page.name, accuracy: true });
        expect(answer.lines).toHaveLength(page.lines.length);
      }
    },
  );

  it('costs an upright page one classifier call on its widest lines, and can be turned off', async () => {
    ctx.reset();
    await read(pages[0].png);
    const cls = ctx.inferCalls.filter((c) => c.session === 'cls.onnx');
    expect(cls).toHaveLength(1);
    expect(cls[0].shape[0]).toBeLessThanOrEqual(8);
    expect(ctx.inferCalls.filter((c) => c.session === 'det.onnx')).toHaveLength(1);
    const off = await ortContext({ detect_orientation: false });
    await score.init(off);
    const answer = await read(await turned(pages[0].png, 180), off);
    expect(answer.rotation).toBe(0);
    expect(off.inferCalls.filter((c) => c.session === 'cls.onnx')).toHaveLength(0);
  });

  it("says a scanned PDF page's rotation", async () => {
    const pdf = await makePdf([{ kind: 'scan', png: await turned(pages[1].png, 90) }]);
    const answer = (await score.run(httpRequest(pdf, 'application/pdf'), ctx)) as unknown as {
      pages: { rotation: number; lines: { text: string }[] }[];
    };
    expect(answer.pages[0].rotation).toBe(90);
    expect(
      charAccuracy(pages[1].lines.join('\n'), answer.pages[0].lines.map((l) => l.text).join('\n')),
    ).toBeGreaterThanOrEqual(0.95);
  });
});
