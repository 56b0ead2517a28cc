import { makePdf, renderTextPage } from '@modelfn/model-builder';
import type { Browser, Locator } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { playgroundRepository, startPlaygroundApp, type PlaygroundApp } from './app.js';
import { launchChromium, watchedPage } from './browser.js';

// The OCR model's multi-page answers in the playground (Debian's chromium, headless): a PDF's pages each
// drawn with their line boxes and their lines listed, against the JSON the page received.

interface Line {
  text: string;
  box: [number, number][];
}
interface Document {
  text: string;
  pages: { page: number; width: number; height: number; source: string; rotation: number; lines: Line[] }[];
}

let browser: Browser;
let repo: ReturnType<typeof playgroundRepository>;
let app: PlaygroundApp;

beforeAll(async () => {
  repo = playgroundRepository();
  [browser, app] = await Promise.all([launchChromium(), startPlaygroundApp(repo.dir)]);
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
  repo?.remove();
});

const TEXT_PAGE = ['Invoice number 2024-0917', 'Date: 12 March 2024', 'Total due: 193.93 EUR'];
const SCANNED = ['Dear customer, thank you for your order.', 'Your parcel 48213 left our warehouse today.'];

/** The polygon's points attribute as numbers. */
async function points(polygon: Locator): Promise<number[][]> {
  const attr = (await polygon.getAttribute('points')) ?? '';
  return attr.split(' ').map((p) => p.split(',').map(Number));
}

describe('playground: OCR pages', () => {
  it('draws each page of a PDF with its line boxes and lists its lines (a text layer, a scan turned 90°)', async () => {
    const scan = await sharp((await renderTextPage('scan', SCANNED)).png)
      .rotate(90)
      .png()
      .toBuffer();
    const pdf = await makePdf([
      { kind: 'text', lines: TEXT_PAGE },
      { kind: 'scan', png: scan },
    ]);
    const { page, context, problems } = await watchedPage(browser);
    await page.goto(`${app.url}/?model=ocr`);
    await expect.poll(() => page.locator('#model-info').textContent()).toContain('entry script');
    expect(await page.getByTestId('file').getAttribute('accept')).toContain('application/pdf');
    await page
      .getByTestId('file')
      .setInputFiles({ name: 'two-pages.pdf', mimeType: 'application/pdf', buffer: pdf });
    const views = page.getByTestId('ocr-page');
    await expect.poll(() => views.count(), { timeout: 60_000 }).toBe(2);
    expect(await page.getByTestId('ocr').isVisible()).toBe(true);
    const answer = JSON.parse((await page.locator('#raw').textContent()) ?? '') as Document;
    expect(answer.pages.map((p) => [p.page, p.source, p.rotation])).toEqual([
      [1, 'text', 0],
      [2, 'ocr', 90],
    ]);
    expect(answer.pages[0].lines.map((l) => l.text)).toEqual(TEXT_PAGE);
    expect(answer.pages[1].lines).toHaveLength(SCANNED.length);

    for (const [i, p] of answer.pages.entries()) {
      const view = views.nth(i);
      expect(await view.getAttribute('data-page')).toBe(String(p.page));
      const caption = (await view.locator('figcaption').textContent()) ?? '';
      expect(caption).toContain(`Page ${p.page}`);
      expect(caption).toContain(p.source === 'text' ? 'text layer' : 'OCR');
      expect(caption).toContain(p.rotation ? `turned ${p.rotation}°` : 'upright');
      // A white sheet of the page's size (no image: the browser is not given a PDF renderer), a box per
      // line at the answer's corners, and each line's text written in its box and listed beside the page.
      const sheet = view.locator('svg.ocr-sheet');
      expect(await sheet.getAttribute('viewBox')).toBe(`0 0 ${p.width} ${p.height}`);
      expect(await sheet.locator('image').count()).toBe(0);
      const polygons = sheet.locator('polygon');
      expect(await polygons.count()).toBe(p.lines.length);
      for (const [k, line] of p.lines.entries()) {
        expect(await points(polygons.nth(k))).toEqual(line.box);
      }
      expect(await sheet.locator('text').allTextContents()).toEqual(p.lines.map((l) => l.text));
      const listed = await view.locator('.ocr-lines li > span:first-child').allTextContents();
      expect(listed).toEqual(p.lines.map((l) => l.text));
      // Drawn where the page is on screen: every box inside the sheet's rendered area, and not a dot.
      const area = (await sheet.boundingBox())!;
      expect(area.width).toBeGreaterThan(100);
      for (let k = 0; k < p.lines.length; k++) {
        const b = (await polygons.nth(k).boundingBox())!;
        expect(b.width * b.height).toBeGreaterThan(20);
        expect(b.x >= area.x - 1 && b.y >= area.y - 1).toBe(true);
        expect(b.x + b.width <= area.x + area.width + 1 && b.y + b.height <= area.y + area.height + 1).toBe(
          true,
        );
      }
    }
    // The scanned page's lines run down the sheet (the page was turned 90° clockwise): its boxes are tall.
    const tall = (await views.nth(1).locator('polygon').first().boundingBox())!;
    expect(tall.height).toBeGreaterThan(tall.width);
    // The answer's text is shown whole.
    expect(await page.getByTestId('prediction').textContent()).toBe(answer.text);
    expect(problems).toEqual([]);
    await context.close();
  });
});
