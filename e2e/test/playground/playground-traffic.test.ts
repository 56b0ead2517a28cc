import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { offsetModel } from '@modelfn/model-builder';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { scratchRepository, startPlaygroundApp, type PlaygroundApp } from './app.js';
import { launchChromium, watchedPage } from './browser.js';

// The playground shows each model's versions and their traffic (issue 27 item 4), in Debian's chromium:
// `split` serves versions 1-3 with config.json traffic {"1": 1, "2": 1} (version n answers y = x + n), so
// the model's split option sends no version and the answering version shows in x-model and in the value.

let browser: Browser;
let app: PlaygroundApp;
let repo: ReturnType<typeof scratchRepository>;

beforeAll(async () => {
  repo = scratchRepository('playground-traffic-');
  const dir = repo.dir;
  for (const v of [1, 2, 3]) {
    mkdirSync(join(dir, 'split', String(v)), { recursive: true });
    writeFileSync(join(dir, 'split', String(v), 'model.onnx'), offsetModel(v));
  }
  writeFileSync(
    join(dir, 'split', 'config.json'),
    JSON.stringify({ version_policy: { all: {} }, traffic: { '1': 1, '2': 1 } }),
  );
  [browser, app] = await Promise.all([launchChromium(), startPlaygroundApp(dir)]);
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
  repo?.remove();
});

it("lists each model's versions with their share of traffic, and sends the split's requests without a version", async () => {
  const { page, context, problems } = await watchedPage(browser);
  await page.goto(`${app.url}/?model=split`);
  const model = page.getByTestId('model');
  await expect
    .poll(() => model.locator('option').allTextContents())
    .toEqual([
      'mnist 1',
      'split, split by traffic (1: 50 %, 2: 50 %)',
      'split 1, 50 % of traffic',
      'split 2, 50 % of traffic',
      'split 3, 0 % of traffic',
    ]);
  // ?model=split starts on the split itself, and says how it is split.
  expect(await model.inputValue()).toBe('split');
  await expect
    .poll(() => page.getByTestId('traffic').textContent())
    .toBe('traffic without a version: 1: 50 %, 2: 50 %');
  expect(await page.getByTestId('traffic').isVisible()).toBe(true);

  const field = page.getByTestId('form').locator('input[type=number]');
  await expect.poll(() => field.count()).toBe(1);
  await field.fill('10');
  // Each request draws its version: both answer within a few tries (all of 40 to one has p = 2^-39).
  const seen = new Set<string>();
  for (let i = 0; i < 40 && seen.size < 2; i++) {
    await page.getByTestId('used-model').evaluate((e) => (e.textContent = ''));
    await page.getByTestId('predict').click();
    await expect.poll(() => page.getByTestId('used-model').textContent()).toMatch(/^split:\d$/);
    const used = (await page.getByTestId('used-model').textContent())!;
    const version = Number(used.slice('split:'.length));
    expect(await page.getByTestId('prediction').textContent()).toBe(JSON.stringify({ y: [10 + version] }));
    seen.add(used);
  }
  expect([...seen].sort()).toEqual(['split:1', 'split:2']);

  // A version picked by hand is the one that answers, its weight 0 or not.
  await model.selectOption('split:3');
  await field.fill('10');
  await page.getByTestId('predict').click();
  await expect.poll(() => page.getByTestId('used-model').textContent()).toBe('split:3');
  expect(await page.getByTestId('prediction').textContent()).toBe('{"y":[13]}');
  // mnist has no traffic: no note.
  await model.selectOption('mnist:1');
  await expect.poll(() => page.getByTestId('traffic').isVisible()).toBe(false);
  expect(problems).toEqual([]);
  await context.close();
});
