import { makePdf } from '@modelfn/model-builder';
import { startAzurite, startQueueSource, type QueueSource, type RunningAzurite } from '@modelfn/local-host';
import { createJobFunctions, hostJsonPath } from '@modelfn/score-http';
import type { Browser } from 'playwright-core';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { playgroundRepository, startPlaygroundApp, type PlaygroundApp } from './app.js';
import { launchChromium, watchedPage } from './browser.js';

// The playground follows a 202 (Debian's chromium, headless): a PDF over OCR_ASYNC_PAGES pages is accepted
// as a job, the page says it runs and asks its status URL; the job function (started only once the page
// showed it running, so nothing races) reads it, and the page then draws its pages. Jobs on real Azurite.

const LINES = [
  ['Invoice 2024-0917', 'Total due: 193.93 EUR'],
  ['Delivery note 48213', 'Two parcels'],
];

let azurite: RunningAzurite;
let browser: Browser;
let repo: ReturnType<typeof playgroundRepository>;
let app: PlaygroundApp;
let jobs: QueueSource | undefined;
const saved = { storage: process.env.AzureWebJobsStorage, pages: process.env.OCR_ASYNC_PAGES };

beforeAll(async () => {
  azurite = await startAzurite({ blobPort: 0, queuePort: 0, tablePort: 0 });
  // Read by the app's job store, and by the OCR script's threads when they start (a copy of this env).
  process.env.AzureWebJobsStorage = azurite.connectionString;
  process.env.OCR_ASYNC_PAGES = '1';
  repo = playgroundRepository();
  [browser, app] = await Promise.all([launchChromium(), startPlaygroundApp(repo.dir)]);
}, 120_000);

afterAll(async () => {
  await jobs?.close();
  await browser?.close();
  await app?.close();
  repo?.remove();
  await azurite?.stop();
  process.env.AzureWebJobsStorage = saved.storage;
  process.env.OCR_ASYNC_PAGES = saved.pages;
  if (saved.storage === undefined) delete process.env.AzureWebJobsStorage;
  if (saved.pages === undefined) delete process.env.OCR_ASYNC_PAGES;
});

describe('playground: a long document answered 202', () => {
  it('shows the job running, follows its status URL, then draws its pages', async () => {
    const pdf = await makePdf(LINES.map((lines) => ({ kind: 'text' as const, lines })));
    const { page, problems } = await watchedPage(browser);
    const statusCalls: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/score/jobs/')) statusCalls.push(r.url());
    });
    await page.goto(`${app.url}/?model=ocr`);
    await expect.poll(() => page.locator('#model-info').textContent()).toContain('entry script');
    await page
      .getByTestId('file')
      .setInputFiles({ name: 'two-pages.pdf', mimeType: 'application/pdf', buffer: pdf });

    // No job function runs yet: the job stays running, and the page says so while it asks.
    const running = page.getByTestId('job');
    await expect.poll(() => running.isVisible(), { timeout: 60_000 }).toBe(true);
    expect(await running.textContent()).toMatch(/^Running as a job \([0-9a-f-]{36}\)/);
    expect(await running.getAttribute('data-status-uri')).toMatch(/\/score\/jobs\/[0-9a-f-]{36}$/);
    await expect.poll(() => statusCalls.length, { timeout: 30_000 }).toBeGreaterThan(0);
    expect(await page.getByTestId('ocr-page').count()).toBe(0);
    expect(await page.getByTestId('error').isVisible()).toBe(false);

    jobs = await startQueueSource({
      functions: createJobFunctions({ scorer: async () => app.scorer }),
      settings: { AzureWebJobsStorage: azurite.connectionString },
      hostJsonPath,
      maxPollingIntervalMs: 200,
      logger: pino({ level: 'silent' }),
    });
    await expect.poll(() => page.getByTestId('ocr-page').count(), { timeout: 90_000 }).toBe(2);
    expect(await running.isVisible()).toBe(false);
    const answer = JSON.parse((await page.locator('#raw').textContent()) ?? '') as {
      text: string;
      pages: { page: number; source: string }[];
    };
    expect(answer.pages.map((p) => [p.page, p.source])).toEqual([
      [1, 'text'],
      [2, 'text'],
    ]);
    expect(answer.text).toBe(LINES.map((l) => l.join('\n')).join('\n\n'));
    expect(statusCalls.every((u) => u === statusCalls[0])).toBe(true);
    expect(problems).toEqual([]);
  }, 180_000);
});
