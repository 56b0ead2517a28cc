import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { detectionModel, yolov8Output } from '@modelfn/model-builder';
import type { Browser } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startPlaygroundApp, type PlaygroundApp } from './app.js';
import { launchChromium, watchedPage } from './browser.js';

// The playground draws a detector's boxes, labelled, over the image that was sent (Debian's chromium,
// headless). The detector is built in code: its YOLOv8 output holds known boxes in its 64x64 input, and the
// 128x64 photo is letterboxed into it (sent x = 2x, sent y = 2 (y - 16)).

const ROOT = resolve(import.meta.dirname, '../../..');

let browser: Browser;
let app: PlaygroundApp;
let dir: string;

beforeAll(async () => {
  mkdirSync(join(ROOT, 'tmp'), { recursive: true });
  dir = mkdtempSync(join(ROOT, 'tmp', 'playground-detector-'));
  cpSync(join(ROOT, 'models', 'mnist'), join(dir, 'mnist'), { recursive: true });
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
  [browser, app] = await Promise.all([launchChromium(), startPlaygroundApp(dir)]);
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

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
