import { randomUUID } from 'node:crypto';
import { BlobServiceClient } from '@azure/storage-blob';
import { encryptedPdf, makePdf, renderTextPage } from '@modelfn/model-builder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { png } from '../support/digits.js';
import { startSystem, type System } from '../support/system.js';

// Long documents over HTTP (the Functions async HTTP pattern) on the running system (npm start): POST /score
// answers 202 with a status URL for a PDF over OCR_ASYNC_PAGES pages (or any request sent with `Prefer:
// respond-async`); the request is kept in blob storage and queued; the app's job function reads it, and the
// status URL answers 202 until the answer is written, then that answer. A second host on the same storage
// (as a second instance in Azure) answers status calls for jobs the first took, and takes them over when the
// host that accepted them stops.

const LINES = ['Invoice 2024-0917', 'Total due: 193.93 EUR'];
const ASYNC_PAGES = 2;
/** A bound on waiting for a job, not a measure: the shared 2-core machine has taken 30 s for one page. */
const WAIT_MS = 180_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Accepted {
  id: string;
  statusUri: string;
  status: string;
}

/** Polls a status URL until it is no longer 202; every answer before that must be a 202 with Retry-After. */
async function untilDone(statusUri: string): Promise<{ response: Response; running: number }> {
  const deadline = Date.now() + WAIT_MS;
  let running = 0;
  while (Date.now() < deadline) {
    const response = await fetch(statusUri);
    if (response.status !== 202) return { response, running };
    running++;
    expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(response.headers.get('location')).toBe(statusUri);
    await response.body?.cancel();
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${statusUri} still running after ${WAIT_MS} ms`);
}

describe('long documents over HTTP: 202 and a status URL', () => {
  let first: System;
  let second: System | undefined;
  let long: Buffer;
  let longText: string;
  let short: Buffer;

  beforeAll(async () => {
    const page = await renderTextPage('pdf-async-page', LINES);
    // Three pages, over ASYNC_PAGES: two text layers and a scan between them (OCR'd by the job).
    long = await makePdf([
      { kind: 'text', lines: LINES },
      { kind: 'scan', png: page.png },
      { kind: 'text', lines: LINES },
    ]);
    longText = [LINES, LINES, LINES].map((l) => l.join('\n')).join('\n\n');
    short = await makePdf([{ kind: 'text', lines: LINES }]);
    const env = { LOCAL_HOST_WORKERS: '1', OCR_ASYNC_PAGES: String(ASYNC_PAGES), MODELS: 'mnist,ocr' };
    first = await startSystem(undefined, env);
    second = await startSystem(undefined, {
      ...env,
      AzureWebJobsStorage: first.storage,
      ServiceBusConnection: first.servicebus,
      REDIS_URL: first.redisUrl,
    });
  }, 240_000);

  afterAll(async () => {
    // The attached host first: the first one owns the services it uses.
    await second?.stop();
    await first?.stop();
  });

  const post = (sys: System, body: Buffer, headers: Record<string, string>) =>
    fetch(`${sys.url}/score`, { method: 'POST', headers: { 'x-model': 'ocr', ...headers }, body });

  it('answers a document of at most OCR_ASYNC_PAGES pages at once (200)', async () => {
    const res = await post(first, short, { 'content-type': 'application/pdf' });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { text: string; pages: unknown[] };
    expect(answer.text).toBe(LINES.join('\n'));
    expect(answer.pages).toHaveLength(1);
  });

  it('accepts a longer PDF with 202 and a status URL; the status is 202 until the pages are read, then 200', async () => {
    const res = await post(first, long, { 'content-type': 'application/pdf' });
    expect(res.status).toBe(202);
    const accepted = (await res.json()) as Accepted;
    expect(accepted.id).toMatch(UUID);
    expect(accepted.status).toBe('running');
    expect(accepted.statusUri).toBe(`${first.url}/score/jobs/${accepted.id}`);
    expect(res.headers.get('location')).toBe(accepted.statusUri);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    // Asked by the model, not by the caller: no preference was applied.
    expect(res.headers.get('preference-applied')).toBeNull();

    const { response } = await untilDone(accepted.statusUri);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('x-model')).toMatch(/^ocr:/);
    const answer = (await response.json()) as { text: string; pages: { page: number; source: string }[] };
    expect(answer.text).toBe(longText);
    expect(answer.pages.map((p) => [p.page, p.source])).toEqual([
      [1, 'text'],
      [2, 'ocr'],
      [3, 'text'],
    ]);
    // Done is done: asked again, the same answer, from storage (the other host too).
    const again = await fetch(`${second!.url}/score/jobs/${accepted.id}`);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(answer);
  });

  it('says 202 with Retry-After, on any host, for a job accepted and not answered yet', async () => {
    // A job as POST /score stores it, with no queue message: no host will run it, so it stays running.
    const id = randomUUID();
    const jobs = BlobServiceClient.fromConnectionString(first.storage).getContainerClient('jobs');
    await jobs.createIfNotExists();
    const envelope = {
      request: { trigger: 'http', model: 'ocr', contentType: 'application/pdf' },
      render: { binary: false, options: {} },
      accepted: new Date().toISOString(),
    };
    await jobs.getBlockBlobClient(`${id}/body`).uploadData(long);
    await jobs.getBlockBlobClient(`${id}/request.json`).uploadData(Buffer.from(JSON.stringify(envelope)));
    for (const sys of [first, second!]) {
      const res = await fetch(`${sys.url}/score/jobs/${id}`);
      expect(res.status).toBe(202);
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await res.json()).toEqual({ id, statusUri: `${sys.url}/score/jobs/${id}`, status: 'running' });
    }
  });

  it('gives a failed job its error and code at the status URL', async () => {
    // `Prefer: respond-async` sends it to a job without a look at its pages: the job meets the password.
    const res = await post(first, encryptedPdf(), {
      'content-type': 'application/pdf',
      prefer: 'respond-async',
    });
    expect(res.status).toBe(202);
    expect(res.headers.get('preference-applied')).toBe('respond-async');
    const { statusUri } = (await res.json()) as Accepted;
    const { response } = await untilDone(statusUri);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'ENCRYPTED_DOCUMENT' });
  });

  it('refuses at once, without a job, a document its bounds refuse', async () => {
    const res = await post(first, encryptedPdf(), { 'content-type': 'application/pdf' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'ENCRYPTED_DOCUMENT' });
  });

  it('answers 404 JOB_NOT_FOUND for an id no job has', async () => {
    for (const id of [randomUUID(), 'not-a-job']) {
      const res = await fetch(`${first.url}/score/jobs/${id}`);
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ code: 'JOB_NOT_FOUND' });
    }
  });

  it('takes `Prefer: respond-async` for any model (an mnist digit)', async () => {
    const res = await fetch(`${first.url}/score`, {
      method: 'POST',
      headers: { 'content-type': 'image/png', 'x-model': 'mnist', prefer: 'respond-async' },
      body: await png(7),
    });
    expect(res.status).toBe(202);
    const { statusUri } = (await res.json()) as Accepted;
    const direct = await fetch(`${first.url}/score`, {
      method: 'POST',
      headers: { 'content-type': 'image/png', 'x-model': 'mnist' },
      body: await png(7),
    });
    const { response } = await untilDone(statusUri);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(await direct.json());
  });

  it('finishes a job when the host that accepted it stops: the other host answers its status', async () => {
    const res = await post(second!, long, { 'content-type': 'application/pdf', 'cache-control': 'no-cache' });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as Accepted;
    // A graceful stop, as Azure scales an instance in: what it holds is finished or released, never lost.
    await second!.stop();
    second = undefined;
    const { response } = await untilDone(`${first.url}/score/jobs/${id}`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { text: string }).text).toBe(longText);
  });
});
