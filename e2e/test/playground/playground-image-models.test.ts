import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { detectionModel, maskModel, yolov8Output } from '@modelfn/model-builder';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratchRepository, startPlaygroundApp, type PlaygroundApp } from './app.js';
import { launchChromium, watchedPage } from './browser.js';

// The playground's answers of image models built in code, in Debian's chromium (headless), on one app whose
// repository holds both beside mnist:
// - `detector`: the playground draws its boxes, labelled, over the image that was sent. Its YOLOv8 output
//   holds known boxes in its 64x64 input, and the 128x64 photo is letterboxed into it (sent x = 2x,
//   sent y = 2 (y - 16)).
// - `cutout`: the playground asks a model with postprocessing.image for a picture (Accept: image/png) and
//   shows it beside the image that was sent, on a checkerboard, with a download link; JSON stays a choice.
//   Its mask is the mean of the sent pixels' channels, so the cut-out of a photo white on the left and dark
//   red (90, 0, 0) on the right is opaque on the left and about 30/255 opaque on the right, the photo's own
//   pixels kept.

let browser: Browser;
let app: PlaygroundApp;
let repo: ReturnType<typeof scratchRepository>;

beforeAll(async () => {
  repo = scratchRepository('playground-image-models-');
  const dir = repo.dir;
  mkdirSync(join(dir, 'detector', '1'), { recursive: true });
  const boxes = [
    { box: [10, 20, 30, 40], cls: 0, score: 0.9 }, // [20, 8, 60, 48]
    { box: [12, 22, 32, 42], cls: 0, score: 0.8 }, // suppressed by the first
    { box: [40, 24, 60, 44], cls: 1, score: 0.7 }, // [80, 16, 120, 56]
  ] as { box: [number, number, number, number]; cls: number; score: number }[];
  writeFileSync(
    join(dir, 'detector', '1', 'model.onnx'),
    detectionModel({ width: 64, height: 64, outputs: [yolov8Output(boxes, 2)] }),
  );
  writeFileSync(
    join(dir, 'detector', 'config.json'),
    JSON.stringify({
      preprocessing: { image: { width: 64, height: 64, resize: 'fit' } },
      postprocessing: { detection: { layout: 'yolov8', labels: ['cat', 'dog'] } },
    }),
  );
  mkdirSync(join(dir, 'cutout', '1'), { recursive: true });
  writeFileSync(join(dir, 'cutout', '1', 'model.onnx'), maskModel(8));
  writeFileSync(
    join(dir, 'cutout', 'config.json'),
    JSON.stringify({
      preprocessing: { image: { width: 8, height: 8, resize: 'fit' } },
      postprocessing: { image: { mode: 'alpha' } },
    }),
  );
  [browser, app] = await Promise.all([launchChromium(), startPlaygroundApp(dir)]);
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
  repo?.remove();
});

describe('a detector', () => {
  it("draws a detector's boxes and labels over the uploaded image", async () => {
    const { page, context, problems } = await watchedPage(browser);
    await page.goto(`${app.url}/`);
    await expect
      .poll(() => page.getByTestId('model').locator('option').allTextContents())
      .toContain('detector 1');
    await page.getByTestId('model').selectOption('detector:1');
    const photo = await sharp({ create: { width: 128, height: 64, channels: 3, background: '#6a8caf' } })
      .png()
      .toBuffer();
    await page.getByTestId('file').setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: photo });

    const view = page.getByTestId('detections');
    await expect.poll(() => view.isVisible()).toBe(true);
    expect(await page.getByTestId('prediction').textContent()).toBe('2 objects: cat 90%, dog 70%');
    const sheet = view.locator('svg');
    expect(await sheet.getAttribute('viewBox')).toBe('0 0 128 64');
    expect(await sheet.getAttribute('data-boxes')).toBe('2');
    const rects = await view
      .locator('rect')
      .evaluateAll((els) =>
        els.map((e) => ['x', 'y', 'width', 'height'].map((a) => Number(e.getAttribute(a)))),
      );
    expect(rects).toEqual([
      [20, 8, 40, 40],
      [80, 16, 40, 40],
    ]);
    expect(await view.locator('text').allTextContents()).toEqual(['cat 90%', 'dog 70%']);
    // Drawn: the sheet has a size on the page, the image under the boxes is the one sent.
    const size = await sheet.boundingBox();
    expect(size!.width).toBeGreaterThan(100);
    expect(await view.locator('image').getAttribute('href')).toMatch(/^blob:/);
    if (process.env.PLAYGROUND_SCREENSHOTS) {
      mkdirSync(resolve(process.env.PLAYGROUND_SCREENSHOTS), { recursive: true });
      await view.screenshot({ path: join(resolve(process.env.PLAYGROUND_SCREENSHOTS), 'detections.png') });
    }

    // Another model's answer clears the boxes (and releases the image).
    await page.getByTestId('model').selectOption('mnist:1');
    await expect.poll(() => view.isVisible()).toBe(false);
    expect(problems).toEqual([]);
    await context.close();
  });
});

/** 40x20: white on the left half, dark red on the right. */
function photo(): Promise<Buffer> {
  const raw = Buffer.alloc(40 * 20 * 3);
  for (let i = 0; i < 40 * 20; i++) raw.set(i % 40 < 20 ? [255, 255, 255] : [90, 0, 0], i * 3);
  return sharp(raw, { raw: { width: 40, height: 20, channels: 3 } })
    .png()
    .toBuffer();
}

/**
 * RGBA at `points` of an <img> of the page, as the browser decoded it (drawn on a canvas: colours of
 * translucent pixels read back premultiplied, a few levels off), and its decoded size. Typed without the
 * DOM library, which the e2e project does not load.
 */
function pixelsOf(page: Page, testId: string, points: [number, number][]) {
  return page.getByTestId(testId).evaluate((el, pts) => {
    interface Context2d {
      drawImage(image: unknown, x: number, y: number): void;
      getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> };
    }
    const img = el as unknown as {
      naturalWidth: number;
      naturalHeight: number;
      ownerDocument: {
        createElement(tag: 'canvas'): {
          width: number;
          height: number;
          getContext(kind: '2d', options: object): Context2d;
        };
      };
    };
    const canvas = img.ownerDocument.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    ctx.drawImage(img, 0, 0);
    return {
      width: img.naturalWidth,
      height: img.naturalHeight,
      at: pts.map(([x, y]) => Array.from(ctx.getImageData(x, y, 1, 1).data)),
    };
  }, points);
}

/** The computed background-image of an element. */
const backgroundOf = (page: Page, testId: string) =>
  page.getByTestId(testId).evaluate((el) => {
    const e = el as unknown as {
      ownerDocument: { defaultView: { getComputedStyle(x: unknown): { backgroundImage: string } } };
    };
    return e.ownerDocument.defaultView.getComputedStyle(el).backgroundImage;
  });

describe('a model answering an image', () => {
  it('shows the cut-out beside the sent image with a download link, and JSON on request', async () => {
    const { page, context, problems } = await watchedPage(browser);
    await page.goto(`${app.url}/`);
    await expect
      .poll(() => page.getByTestId('model').locator('option').allTextContents())
      .toContain('cutout 1');
    await page.getByTestId('model').selectOption('cutout:1');
    const answerAs = page.getByTestId('answer-as');
    await expect.poll(() => answerAs.isVisible()).toBe(true);
    expect(await answerAs.locator('option').allTextContents()).toEqual(['image (PNG)', 'JSON (tensors)']);

    const sent = await photo();
    const [scored] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === '/score'),
      page.getByTestId('file').setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: sent }),
    ]);
    // Asked for the picture, answered the picture.
    expect(await scored.request().headerValue('accept')).toBe('image/png');
    expect(scored.headers()['content-type']).toBe('image/png');
    const view = page.getByTestId('image-answer');
    await expect.poll(() => view.isVisible()).toBe(true);
    const headline = await page.getByTestId('prediction').textContent();
    expect(headline).toMatch(/^cut-out 40×20 \(image\/png, \d+ B\)$/);
    expect(await page.getByTestId('used-model').textContent()).toBe('cutout:1');

    // The answer at the sent image's size: its pixels kept, the mask as its alpha, on a checkerboard.
    const answer = page.getByTestId('image-answer-img');
    expect(await answer.getAttribute('src')).toMatch(/^blob:/);
    expect(await backgroundOf(page, 'image-answer-img')).toContain('conic-gradient');
    const shownAnswer = await pixelsOf(page, 'image-answer-img', [
      [3, 10],
      [36, 10],
    ]);
    expect([shownAnswer.width, shownAnswer.height]).toEqual([40, 20]);
    const [left, right] = shownAnswer.at;
    expect(left).toEqual([255, 255, 255, 255]);
    expect(Math.abs(right[0] - 90)).toBeLessThanOrEqual(4);
    expect(right.slice(1)).toEqual([0, 0, right[3]]);
    expect(Math.abs(right[3] - 30)).toBeLessThanOrEqual(1);
    // Beside it, the image as sent.
    expect((await pixelsOf(page, 'image-sent', [[36, 10]])).at).toEqual([[90, 0, 0, 255]]);
    const shown = await answer.boundingBox();
    expect(shown!.width).toBeGreaterThan(0);
    if (process.env.PLAYGROUND_SCREENSHOTS) {
      mkdirSync(resolve(process.env.PLAYGROUND_SCREENSHOTS), { recursive: true });
      await page
        .locator('#result')
        .screenshot({ path: join(resolve(process.env.PLAYGROUND_SCREENSHOTS), 'image-answer.png') });
    }

    // The download is the PNG the server answered.
    const link = page.getByTestId('image-download');
    expect(await link.getAttribute('download')).toBe('cutout_1-mask.png');
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const file = readFileSync((await download.path())!);
    const meta = await sharp(file).metadata();
    expect([meta.format, meta.width, meta.height, meta.channels]).toEqual(['png', 40, 20, 4]);
    const rgba = await sharp(file).raw().toBuffer();
    expect([...rgba.subarray((10 * 40 + 36) * 4, (10 * 40 + 36) * 4 + 3)]).toEqual([90, 0, 0]);
    expect(headline).toContain(`${file.length} B`);

    // JSON instead: the same photo answered with the tensors, the picture gone.
    await answerAs.selectOption('json');
    await expect.poll(() => view.isVisible()).toBe(false);
    await expect.poll(() => page.locator('#raw').textContent()).toContain('"mask"');
    expect(await page.getByTestId('prediction').textContent()).toContain('"half"');

    // Another model: no choice to make, nothing left of the picture.
    await page.getByTestId('model').selectOption('mnist:1');
    await expect.poll(() => answerAs.isVisible()).toBe(false);
    expect(problems).toEqual([]);
    await context.close();
  });
});
