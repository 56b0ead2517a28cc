// Scores a digit through the registered `score` function, reads the repository index and, when
// PROBE_PAGE names one, reads a page of text with the OCR model (its entry script in a worker thread), and
// when PROBE_PDF names one, a PDF.
import { readFileSync } from 'node:fs';
import { Buffer } from 'node:buffer';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { URL } from 'node:url';
import { handlerOf, invocationContext } from './context.mjs';

/* global Request */

function request(method, url, body, headers = {}) {
  const r = new Request(url, { method, body, headers });
  return Object.assign(r, { query: new URL(url).searchParams, params: {} });
}

const plain = (res) => ({
  status: res.status ?? 200,
  model: res.headers?.['x-model'],
  body: res.jsonBody ?? (res.body === undefined ? undefined : JSON.parse(Buffer.from(res.body).toString())),
});

export async function probe(registered) {
  const score = (body, headers) =>
    handlerOf(registered, 'score')(
      request('POST', 'http://localhost/score', body, headers),
      invocationContext('score'),
    );
  const digit = await score(readFileSync(process.env.PROBE_IMAGE), { 'content-type': 'image/png' });
  // Models load after the app starts serving (mnist first): the index is read once none is loading, as
  // /v2/health/ready says.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ready = await handlerOf(registered, 'v2-health-ready')(
      request('GET', 'http://localhost/v2/health/ready'),
      invocationContext('v2-health-ready'),
    );
    if ((ready.status ?? 200) === 200 || Date.now() > deadline) break;
    await sleep(100);
  }
  const index = await handlerOf(registered, 'v2-repository-index')(
    request('POST', 'http://localhost/v2/repository/index', '{}', { 'content-type': 'application/json' }),
    invocationContext('v2-repository-index'),
  );
  const page = process.env.PROBE_PAGE
    ? plain(
        await score(readFileSync(process.env.PROBE_PAGE), { 'content-type': 'image/png', 'x-model': 'ocr' }),
      )
    : undefined;
  const pdf = process.env.PROBE_PDF
    ? plain(
        await score(readFileSync(process.env.PROBE_PDF), {
          'content-type': 'application/pdf',
          'x-model': 'ocr',
        }),
      )
    : undefined;
  return { score: plain(digit), index: plain(index), page, pdf };
}
