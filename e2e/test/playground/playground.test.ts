import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { makePdf, renderTextPage } from '@modelfn/model-builder';
import type { Browser, Locator, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mnist, png } from '../support/digits.js';
import { playgroundRepository, startPlaygroundApp, type PlaygroundApp } from './app.js';
import { launchChromium, watchedPage, type WatchedPage } from './browser.js';

// The playground (OCR pages too), Swagger UI and the live panel in Debian's chromium (headless), against the
// app's own function definitions on the local host with the real mnist and OCR models and a tabular classifier.
// PLAYGROUND_SCREENSHOTS=<dir> also saves the screenshots the README shows.

const SHOTS = process.env.PLAYGROUND_SCREENSHOTS ? resolve(process.env.PLAYGROUND_SCREENSHOTS) : undefined;
const KEY = 'test-function-key-7f3a';

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

async function open(path = '/'): Promise<WatchedPage> {
  const w = await watchedPage(browser);
  await w.page.goto(`${app.url}${path}`);
  return w;
}

async function shot(page: Page, name: string): Promise<void> {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, name) });
}

const testId = (page: Page, id: string) => page.getByTestId(id);

/** Index of the first test digit with this label. */
function digitIndex(label: number): number {
  return mnist.labels.findIndex((l) => l === label);
}

/** Strokes through canvas points (0..280 on each side), the mouse pressed along each. */
async function draw(page: Page, strokes: [number, number][][]): Promise<void> {
  const box = (await testId(page, 'canvas').boundingBox())!;
  const sx = box.width / 280;
  const sy = box.height / 280;
  for (const stroke of strokes) {
    const [first, ...rest] = stroke;
    await page.mouse.move(box.x + first[0] * sx, box.y + first[1] * sy);
    await page.mouse.down();
    for (const [x, y] of rest) await page.mouse.move(box.x + x * sx, box.y + y * sy, { steps: 4 });
    await page.mouse.up();
  }
}

function ellipse(cx: number, cy: number, rx: number, ry: number): [number, number][] {
  return Array.from({ length: 33 }, (_, i) => {
    const a = (i / 32) * 2 * Math.PI;
    return [cx + rx * Math.sin(a), cy - ry * Math.cos(a)];
  });
}

async function modelsReady(page: Page): Promise<void> {
  await expect.poll(() => testId(page, 'model').locator('option').count()).toBeGreaterThanOrEqual(3);
  await expect.poll(() => page.locator('#model-info').textContent()).not.toBe('');
}

describe('playground at /', () => {
  it('lists the models, reads an uploaded digit, and answers it from the cache the second time', async () => {
    const { page, context, problems } = await open();
    await modelsReady(page);
    const options = await testId(page, 'model').locator('option').allTextContents();
    expect(options).toEqual(expect.arrayContaining(['mnist 1', 'ocr 1', 'tabular 1']));
    expect(await testId(page, 'model').inputValue()).toBe('mnist:1');

    for (const label of [3, 8]) {
      const i = digitIndex(label);
      await testId(page, 'file').setInputFiles({
        name: `digit-${i}.png`,
        mimeType: 'image/png',
        buffer: await png(i),
      });
      await expect.poll(() => testId(page, 'prediction').textContent()).toBe(String(label));
      await expect.poll(() => testId(page, 'cache').textContent()).toBe('miss');
      expect(await testId(page, 'used-model').textContent()).toBe('mnist:1');
      expect(await testId(page, 'latency').textContent()).toMatch(/^\d+\.\d ms$/);
      const bars = testId(page, 'topk').locator('.bar');
      expect(await bars.count()).toBe(5);
      expect(await bars.first().locator('span').first().textContent()).toBe(String(label));
    }
    // The same file again: the answer comes from the cache.
    const i = digitIndex(8);
    await testId(page, 'file').setInputFiles({
      name: 'again.png',
      mimeType: 'image/png',
      buffer: await png(i),
    });
    await expect.poll(() => testId(page, 'cache').textContent()).toBe('hit');
    expect(await testId(page, 'prediction').textContent()).toBe('8');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('recognises digits drawn with the mouse, wherever and however large they are drawn', async () => {
    const { page, context, problems } = await open();
    await modelsReady(page);
    const cases: { label: string; strokes: [number, number][][] }[] = [
      { label: '0', strokes: [ellipse(140, 140, 55, 85)] },
      // Small and in a corner: cropping to the ink and centring by mass make it a normal digit.
      {
        label: '1',
        strokes: [
          [
            [60, 30],
            [52, 110],
          ],
        ],
      },
      {
        label: '7',
        strokes: [
          [
            [90, 70],
            [200, 70],
            [130, 240],
          ],
        ],
      },
      {
        label: '4',
        strokes: [
          [
            [170, 40],
            [70, 170],
            [210, 170],
          ],
          [
            [170, 40],
            [170, 250],
          ],
        ],
      },
    ];
    for (const c of cases) {
      await testId(page, 'clear').click();
      await draw(page, c.strokes);
      await testId(page, 'predict').click();
      await expect
        .poll(() => testId(page, 'prediction').textContent(), { message: `drawn ${c.label}` })
        .toBe(c.label);
      if (c.label === '7' && SHOTS) {
        // The panel's next refresh has seen the predictions.
        await expect.poll(() => testId(page, 'live-hits').textContent()).toMatch(/%/);
        await shot(page, 'playground.png');
      }
    }
    await testId(page, 'clear').click();
    expect(await testId(page, 'prediction').textContent()).toBe('');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('reads a page with the OCR model and draws its boxes', async () => {
    const { page, context, problems } = await open();
    await modelsReady(page);
    await testId(page, 'model').selectOption('ocr:1');
    await expect.poll(() => page.locator('#model-info').textContent()).toContain('entry script');
    const text = ['Invoice number 2024-0917', 'Total due: 193.93 EUR'];
    const rendered = await renderTextPage('invoice', text, 800);
    await testId(page, 'file').setInputFiles({
      name: 'invoice.png',
      mimeType: 'image/png',
      buffer: rendered.png,
    });
    await expect
      .poll(() => testId(page, 'prediction').textContent(), { timeout: 60_000 })
      .toContain('193.93');
    expect(await testId(page, 'prediction').textContent()).toContain('Invoice');
    // One page view: the image as sent under a box per line, the lines listed beside it.
    const view = testId(page, 'ocr-page');
    expect(await view.count()).toBe(1);
    expect(await view.locator('svg image').count()).toBe(1);
    expect(await view.locator('svg polygon').count()).toBe(text.length);
    expect(await view.locator('.ocr-lines li').allTextContents()).toEqual(
      text.map((t) => expect.stringContaining(t)),
    );
    expect(await testId(page, 'ocr').isVisible()).toBe(true);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('makes a form from a tabular model signature and scores it', async () => {
    const { page, context, problems } = await open('/?model=tabular');
    await modelsReady(page);
    expect(await testId(page, 'model').inputValue()).toBe('tabular:1');
    const fields = testId(page, 'form').locator('input[type=number]');
    await expect.poll(() => fields.count()).toBe(4);
    const rows = { setosa: [5.1, 3.5, 1.4, 0.2], virginica: [6.7, 3.0, 5.2, 2.3] };
    for (const [label, row] of Object.entries(rows)) {
      for (let i = 0; i < 4; i++) await fields.nth(i).fill(String(row[i]));
      await testId(page, 'predict').click();
      await expect.poll(() => testId(page, 'prediction').textContent()).toBe(label);
    }
    expect(await testId(page, 'topk').locator('.bar').count()).toBe(3);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("shows the server's error message for input it refuses", async () => {
    const { page, context, problems } = await open();
    await modelsReady(page);
    await testId(page, 'file').setInputFiles({
      name: 'not-an-image.png',
      mimeType: 'image/png',
      buffer: Buffer.from('this is not a PNG'),
    });
    await expect.poll(() => testId(page, 'error').isVisible()).toBe(true);
    const message = await testId(page, 'error').textContent();
    expect(message).toMatch(/UNDECODABLE_IMAGE, HTTP 400/);
    expect(await testId(page, 'prediction').textContent()).toBe('');
    // The browser logs the refused request itself; nothing else may go wrong.
    expect(problems.filter((p) => !/status of 400/.test(p))).toEqual([]);
    await context.close();
  });

  it('shows live figures from /metrics: request rate, cache hits, latency per trigger, Redis', async () => {
    const { page, context, problems } = await open('/?refresh=300');
    await modelsReady(page);
    const i = digitIndex(5);
    for (let n = 0; n < 3; n++) {
      await testId(page, 'file').setInputFiles({
        name: `five-${n}.png`,
        mimeType: 'image/png',
        buffer: await png(i),
      });
      await expect.poll(() => testId(page, 'prediction').textContent()).toBe('5');
    }
    await expect.poll(() => testId(page, 'live-hits').textContent()).toMatch(/^\d+ %$/);
    await expect.poll(() => testId(page, 'live-rate').textContent()).toMatch(/^\d+\.\d$/);
    await expect.poll(() => testId(page, 'live-triggers').textContent()).toMatch(/http.*ms.*ms/);
    expect(await testId(page, 'live-redis').textContent()).not.toBe('–');
    expect(problems).toEqual([]);
    await context.close();
  });
});

async function runHealthCheck(page: Page): Promise<string | null> {
  const op = page.locator('.opblock', { has: page.locator('[data-path="/v2/health/ready"]') });
  await op.locator('.opblock-summary').first().click();
  // tryItOutEnabled opens each operation ready to run; the button then offers "Cancel".
  const tryOut = op.locator('button.try-out__btn', { hasText: 'Try it out' });
  if (await tryOut.count()) await tryOut.click();
  await op.locator('button.execute').click();
  const status = op.locator('.live-responses-table tbody .response-col_status').first();
  await status.waitFor();
  return status.textContent();
}

describe('Swagger UI at /docs', () => {
  it('shows the generated API and runs an operation against this server', async () => {
    const { page, context, problems } = await open('/docs');
    await page.locator('.opblock').first().waitFor();
    expect(await page.locator('.info .title').textContent()).toContain('modelfn scoring API');
    expect(await page.locator('[data-path="/score"]').count()).toBeGreaterThan(0);
    expect(await runHealthCheck(page)).toContain('200');
    await shot(page, 'docs.png');
    expect(problems).toEqual([]);
    await context.close();
  });
});

// The OCR model's multi-page answers: a PDF's pages each drawn with their line boxes and their lines listed,
// against the JSON the page received. On the same app as the tests above (it only reads).

interface Line {
  text: string;
  box: [number, number][];
}
interface Document {
  text: string;
  pages: { page: number; width: number; height: number; source: string; rotation: number; lines: Line[] }[];
}

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

describe('with HTTP_AUTH_LEVEL=function', () => {
  let keyed: PlaygroundApp;
  beforeAll(async () => {
    keyed = await startPlaygroundApp(repo.dir, { level: 'function', key: KEY });
  });
  afterAll(() => keyed?.close());

  it('serves the pages without a key and sends the key it is given with every call', async () => {
    const { page, context, problems } = await watchedPage(browser);
    await page.goto(`${keyed.url}/?code=${KEY}`);
    await modelsReady(page);
    // The key leaves the address bar at once, and the page's markup never holds it.
    expect(new URL(page.url()).search).toBe('');
    expect(await page.content()).not.toContain(KEY);
    const i = digitIndex(2);
    await testId(page, 'file').setInputFiles({
      name: 'two.png',
      mimeType: 'image/png',
      buffer: await png(i),
    });
    await expect.poll(() => testId(page, 'prediction').textContent()).toBe('2');
    await page.goto(`${keyed.url}/docs`);
    await page.locator('.opblock').first().waitFor();
    expect(await runHealthCheck(page)).toContain('200');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('says a key is needed when it has none', async () => {
    const { page, context } = await watchedPage(browser);
    await page.goto(`${keyed.url}/`);
    await expect.poll(() => testId(page, 'error').isVisible()).toBe(true);
    expect(await testId(page, 'error').textContent()).toMatch(/function key/);
    await context.close();
  });
});
