// Scores a digit through the registered `score` function and reads the repository index.
import { readFileSync } from 'node:fs';
import { Buffer } from 'node:buffer';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { URL } from 'node:url';
import { handlerOf, invocationContext } from './context.mjs';

/* global Request */

function request(method, url, body, contentType) {
  const r = new Request(url, { method, body, headers: contentType ? { 'content-type': contentType } : {} });
  return Object.assign(r, { query: new URL(url).searchParams, params: {} });
}

const plain = (res) => ({
  status: res.status ?? 200,
  body: res.jsonBody ?? (res.body === undefined ? undefined : JSON.parse(Buffer.from(res.body).toString())),
});

export async function probe(registered) {
  const png = readFileSync(process.env.PROBE_IMAGE);
  const score = await handlerOf(registered, 'score')(
    request('POST', 'http://localhost/score', png, 'image/png'),
    invocationContext('score'),
  );
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
    request('POST', 'http://localhost/v2/repository/index', '{}', 'application/json'),
    invocationContext('v2-repository-index'),
  );
  return { score: plain(score), index: plain(index) };
}
