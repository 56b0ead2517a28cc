import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { routePrefixFromHostJson, startHttpHost, type RunningHttpHost } from '@modelfn/local-host';
import { identityModel } from '@modelfn/model-builder';
import { createScorer, readSettings, type Scorer } from '@modelfn/scoring';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpFunctions, hostJsonPath } from '../src/functions.js';
import { modelsDir } from './support/app-host.js';
import { call, postJson, type ErrorBody } from './support/http.js';
import { label, row } from './support/mnist.js';

// Per-model readiness over HTTP, as Triton and KServe serve it: the host listens while models load; the real
// mnist answers at once while `gated` (an entry-script model whose init lasts until the test creates a
// file) is still warming up; its ready endpoint says so, /v2/health/ready waits for it, and a request for it
// waits (bounded by MODEL_LOAD_WAIT_MS, then 503 MODEL_LOADING with Retry-After).
let root: string;
let gateFile: string;
const closers: (() => Promise<void>)[] = [];

async function startLoadingApp(waitMs: number): Promise<{ url: string; scorer: Scorer }> {
  const settings = readSettings({
    MODEL_REPOSITORY: root,
    CACHE_MODE: 'memory',
    DEFAULT_MODEL: 'mnist',
    ENTRY_SCRIPT_THREADS: '0',
    MODEL_LOAD_WAIT_MS: String(waitMs),
  });
  const starting = createScorer(settings, { waitForModels: false });
  void starting.then((s) => closers.push(() => s.close()));
  let timer: NodeJS.Timeout | undefined;
  const scorer = await Promise.race([
    starting,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the scorer waited for the model still warming up')), 10_000);
    }),
  ]).finally(() => clearTimeout(timer));
  const host: RunningHttpHost = await startHttpHost({
    functions: createHttpFunctions({ scorer: async () => scorer, authLevel: 'anonymous' }),
    port: 0,
    routePrefix: routePrefixFromHostJson(hostJsonPath),
    maxRequestBytes: settings.maxRequestBytes,
    logger: pino({ level: 'silent' }),
  });
  closers.unshift(() => host.close());
  return { url: host.url, scorer };
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'modelfn-http-loading-'));
  gateFile = join(root, 'warm-up-may-finish');
  cpSync(join(modelsDir, 'mnist'), join(root, 'mnist'), { recursive: true });
  mkdirSync(join(root, 'gated', '1'), { recursive: true });
  writeFileSync(join(root, 'gated', '1', 'm.onnx'), identityModel('FP32', [null, 1]));
  writeFileSync(
    join(root, 'gated', 'score.js'),
    `import { existsSync } from 'node:fs';
export async function init() {
  while (!existsSync(${JSON.stringify(gateFile)})) await new Promise((r) => setTimeout(r, 10));
}
export function run(request) { return { warmed: true, bytes: request.body.length }; }
`,
  );
});

afterAll(async () => {
  writeFileSync(gateFile, '');
  await new Promise((r) => setTimeout(r, 50));
  for (const close of closers) await close();
  rmSync(root, { recursive: true, force: true });
});

describe('HTTP while a model is still loading', () => {
  it('a request past MODEL_LOAD_WAIT_MS is answered 503 MODEL_LOADING with Retry-After', async () => {
    const { url } = await startLoadingApp(150);
    const r = await postJson<ErrorBody>(`${url}/score`, { x: 1 }, { 'x-model': 'gated' });
    expect(r.status).toBe(503);
    expect(r.body.code).toBe('MODEL_LOADING');
    expect(r.body.error).toContain('still loading');
    expect(r.headers.get('retry-after')).toBe('1');
  });

  it('mnist answers; the loading model is not ready; a request for it waits and is answered once warm', async () => {
    const { url, scorer } = await startLoadingApp(20_000);
    const mnist = await postJson<number[]>(`${url}/score`, { data: [row(0)] });
    expect(mnist.status).toBe(200);
    expect(mnist.body).toEqual([label(0)]);
    expect((await call(`${url}/v2/models/mnist/ready`)).status).toBe(200);

    const modelReady = await call<ErrorBody>(`${url}/v2/models/gated/ready`);
    expect(modelReady.status).toBe(503);
    expect(modelReady.body.code).toBe('MODEL_LOADING');
    expect(modelReady.headers.get('retry-after')).toBe('1');
    expect((await call(`${url}/v2/models/gated/versions/1/ready`)).status).toBe(503);
    const health = await call<ErrorBody & { ready: boolean }>(`${url}/v2/health/ready`);
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ ready: false, code: 'MODEL_LOADING' });
    expect(health.body.error).toContain('gated:1');
    const index = await call<{ name: string; state: string }[]>(`${url}/v2/repository/index`, {
      method: 'POST',
    });
    expect(index.body).toContainEqual(expect.objectContaining({ name: 'gated', state: 'LOADING' }));

    let answered = false;
    const waiting = postJson<{ warmed: boolean }>(`${url}/score`, { x: 1 }, { 'x-model': 'gated' }).then(
      (r) => ((answered = true), r),
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(answered).toBe(false);
    writeFileSync(gateFile, '');
    const gated = await waiting;
    expect(gated.status).toBe(200);
    expect(gated.body).toEqual({ warmed: true, bytes: 7 });

    await scorer.modelsSettled();
    expect((await call(`${url}/v2/models/gated/ready`)).status).toBe(200);
    expect((await call(`${url}/v2/health/ready`)).status).toBe(200);
  });
});
