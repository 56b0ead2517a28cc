import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { identityModel } from '@modelfn/model-builder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scriptAnswer } from '../support/script-answer.js';
import {
  createScorer,
  DEFAULT_JOB_TIMEOUT_MS,
  jobTimeoutMs,
  readSettings,
  requestBudget,
  type Scorer,
} from '../../src/index.js';
import { parseConfigFile } from '../../src/model/model-config.js';

// A script that misbehaves on demand: a run that never settles, a busy loop; otherwise it answers.
const MISBEHAVING = `
export function run(request) {
  const body = request.json();
  if (body.hang) return new Promise(() => {});
  if (body.spin) while (true) {}
  return { ok: body.n };
}
`;
// The timeouts are small only to trigger the behaviour; nothing below measures how long anything took.
// A script that starts normally keeps the default init_timeout_ms: a thread's start counts in it.
const RUN_TIMEOUT = { timeout_ms: 300 };
// A request run as a job gets job_timeout_ms instead: a run of 1.5 s is past the 300 ms, far inside the 60 s.
const SLOW = `
export function run(request) {
  const { ms } = request.json();
  return new Promise((resolve) => setTimeout(() => resolve({ slept: ms }), ms));
}
`;
const JOB_TIMEOUTS = { timeout_ms: 300, job_timeout_ms: 60_000 };
const INIT_TIMEOUT = { init_timeout_ms: 300 };

let root: string;
/** The busy `init` gets a repository of its own: on the event-loop thread (0 threads) it would never return. */
let busyRoot: string;

function scriptModel(root: string, name: string, script: string, config?: object): void {
  mkdirSync(join(root, name, '1'), { recursive: true });
  writeFileSync(join(root, name, '1', 'm.onnx'), identityModel('FP32', [null, 1]));
  writeFileSync(join(root, name, 'score.js'), script);
  if (config) writeFileSync(join(root, name, 'config.json'), JSON.stringify(config));
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'modelfn-timeouts-'));
  busyRoot = mkdtempSync(join(tmpdir(), 'modelfn-timeouts-busy-'));
  scriptModel(root, 'misbehaving', MISBEHAVING, RUN_TIMEOUT);
  scriptModel(
    root,
    'stuck-init',
    'export function init() { return new Promise(() => {}); }\nexport function run() { return 1; }',
    INIT_TIMEOUT,
  );
  scriptModel(root, 'fine', 'export function run(request) { return { fine: request.json().n }; }');
  scriptModel(root, 'slow', SLOW, JOB_TIMEOUTS);
  scriptModel(busyRoot, 'misbehaving', MISBEHAVING, RUN_TIMEOUT);
  scriptModel(
    busyRoot,
    'busy-init',
    'export function init() { while (true) {} }\nexport function run() { return 1; }',
    INIT_TIMEOUT,
  );
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(busyRoot, { recursive: true, force: true });
});

const post = (scorer: Scorer, model: string, body: unknown, job?: { maxMs?: number }) =>
  scriptAnswer(scorer, {
    trigger: 'servicebus',
    body: Buffer.from(JSON.stringify(body)),
    contentType: 'application/json',
    model,
    ...(job ? { job } : {}),
  });

/**
 * A request sent until it is answered: right after a timeout the model's script thread is being replaced,
 * and on a busy machine that may take longer than the model's 300 ms (a wait for a thread counts in it).
 * Bounded by the test's timeout; only the answer is asserted.
 */
async function eventually(send: () => Promise<{ body: unknown }>): Promise<unknown> {
  for (;;) {
    try {
      return (await send()).body;
    } catch (e) {
      if ((e as { code?: string }).code !== 'TIMEOUT') throw e;
    }
  }
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: { code?: string; message?: string }) => ({ code: e.code, message: e.message }),
  );

describe.each(['1', '0'])('entry-script timeouts (ENTRY_SCRIPT_THREADS=%s)', (threads) => {
  let scorer: Scorer;
  beforeAll(async () => {
    scorer = await createScorer(
      readSettings({ MODEL_REPOSITORY: root, CACHE_MODE: 'memory', ENTRY_SCRIPT_THREADS: threads }),
    );
    await scorer.modelsSettled();
  }, 60_000);
  afterAll(() => scorer?.close());

  it('an init that never finishes makes its version UNAVAILABLE with the reason; the others serve', async () => {
    const stuck = scorer.repository.find('stuck-init');
    expect(stuck.state).toBe('UNAVAILABLE');
    expect(stuck.reason).toMatch(/init\(\).*init_timeout_ms/);
    expect(scorer.repository.find('fine').state).toBe('READY');
    expect((await post(scorer, 'fine', { n: 1 })).body).toEqual({ fine: 1 });
  });

  it('a run that never settles fails TIMEOUT (504, transient), every queued one too; then the model answers', async () => {
    // More than the gate admits at once (2 per thread): the waiting ones leave the queue at their deadline.
    const hung = await Promise.all(
      Array.from({ length: 6 }, () => failure(post(scorer, 'misbehaving', { hang: true }))),
    );
    for (const f of hung)
      expect(f).toMatchObject({ code: 'TIMEOUT', message: expect.stringContaining('timeout_ms') });
    expect(await eventually(() => post(scorer, 'misbehaving', { n: 2 }))).toEqual({ ok: 2 });
    expect((await post(scorer, 'fine', { n: 3 })).body).toEqual({ fine: 3 });
  });

  it('a run as a job is bounded by job_timeout_ms, not timeout_ms; a job budget caps it', async () => {
    expect(await failure(post(scorer, 'slow', { ms: 1500 }))).toMatchObject({
      code: 'TIMEOUT',
      message: expect.stringContaining('300 ms (config.json "timeout_ms")'),
    });
    expect((await post(scorer, 'slow', { ms: 1500 }, {})).body).toEqual({ slept: 1500 });
    // The host's functionTimeout (less the answer's margin) under job_timeout_ms: the job stops there.
    expect(await failure(post(scorer, 'slow', { ms: 5000 }, { maxMs: 300 }))).toMatchObject({
      code: 'TIMEOUT',
      message: expect.stringContaining('300 ms (config.json "job_timeout_ms")'),
    });
  });
});

describe('a busy loop in a script thread', () => {
  let scorer: Scorer;
  beforeAll(async () => {
    scorer = await createScorer(
      readSettings({ MODEL_REPOSITORY: busyRoot, CACHE_MODE: 'memory', ENTRY_SCRIPT_THREADS: '1' }),
    );
    await scorer.modelsSettled();
  }, 60_000);
  afterAll(() => scorer?.close());

  it('in init: the thread is stopped and the version is UNAVAILABLE', () => {
    const busy = scorer.repository.find('busy-init');
    expect(busy.state).toBe('UNAVAILABLE');
    expect(busy.reason).toMatch(/init_timeout_ms/);
  });

  it('in run: TIMEOUT, and the thread is replaced (its only thread answers the next request)', async () => {
    expect(await failure(post(scorer, 'misbehaving', { spin: true }))).toMatchObject({ code: 'TIMEOUT' });
    // One thread: had the spinning one been kept, nothing could answer this.
    expect(await eventually(() => post(scorer, 'misbehaving', { n: 4 }))).toEqual({ ok: 4 });
  });
});

describe('config.json timeouts', () => {
  it('must be whole milliseconds >= 1', () => {
    expect(parseConfigFile('m', { timeout_ms: 2500, init_timeout_ms: 1 })).toMatchObject({
      timeout_ms: 2500,
    });
    for (const bad of [
      { timeout_ms: 0 },
      { init_timeout_ms: 1.5 },
      { timeout_ms: '10' },
      { job_timeout_ms: -1 },
    ])
      expect(() => parseConfigFile('m', bad)).toThrow(/must be an integer number of milliseconds/);
  });

  it('a job gets job_timeout_ms, by default 10 min or timeout_ms when longer, capped by its budget', () => {
    expect(DEFAULT_JOB_TIMEOUT_MS).toBe(600_000);
    expect(jobTimeoutMs({})).toBe(600_000);
    expect(jobTimeoutMs({ timeout_ms: 900_000 })).toBe(900_000);
    expect(jobTimeoutMs({ timeout_ms: 900_000, job_timeout_ms: 5_000 })).toBe(5_000);
    expect(requestBudget({ timeout_ms: 1_000, job_timeout_ms: 5_000 })).toEqual({
      ms: 1_000,
      setting: 'timeout_ms',
    });
    expect(requestBudget({ timeout_ms: 1_000, job_timeout_ms: 5_000 }, {})).toEqual({
      ms: 5_000,
      setting: 'job_timeout_ms',
    });
    expect(requestBudget({ job_timeout_ms: 5_000 }, { maxMs: 2_000 })).toEqual({
      ms: 2_000,
      setting: 'job_timeout_ms',
    });
  });
});
