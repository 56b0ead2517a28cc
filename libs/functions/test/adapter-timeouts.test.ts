import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { identityModel } from '@modelfn/model-builder';
import { createScorer, readSettings, type Scorer } from '@modelfn/scoring';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  classifyFailure,
  replyContent,
  scoreRequest,
  scoreRequests,
  type TriggerRequest,
} from '../src/index.js';

// The repro on a real scorer: a model whose entry script's run never settles, beside mnist. Its
// timeout_ms is small only to trigger the behaviour; nothing below measures a duration.
const HANGS = 'export function run() { return new Promise(() => {}); }\n';
const SLOW =
  'export function run() { return new Promise((r) => setTimeout(() => r({ done: true }), 1500)); }\n';
const MODELS = resolve(import.meta.dirname, '../../../models');
const ZERO_DIGIT = Array.from({ length: 784 }, () => 0);
let root: string;
let scorer: Scorer;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'modelfn-adapter-timeouts-'));
  cpSync(join(MODELS, 'mnist'), join(root, 'mnist'), { recursive: true });
  mkdirSync(join(root, 'hangs', '1'), { recursive: true });
  writeFileSync(join(root, 'hangs', '1', 'model.onnx'), identityModel('FP32', [null, 1]));
  writeFileSync(join(root, 'hangs', 'score.js'), HANGS);
  writeFileSync(join(root, 'hangs', 'config.json'), JSON.stringify({ timeout_ms: 300 }));
  // Answers after 1.5 s: past its timeout_ms, far inside its job_timeout_ms.
  mkdirSync(join(root, 'slow', '1'), { recursive: true });
  writeFileSync(join(root, 'slow', '1', 'model.onnx'), identityModel('FP32', [null, 1]));
  writeFileSync(join(root, 'slow', 'score.js'), SLOW);
  writeFileSync(
    join(root, 'slow', 'config.json'),
    JSON.stringify({ timeout_ms: 300, job_timeout_ms: 60_000 }),
  );
  scorer = await createScorer(
    readSettings({ MODEL_REPOSITORY: root, CACHE_MODE: 'memory', ENTRY_SCRIPT_THREADS: '1' }),
  );
  await scorer.modelsSettled();
}, 60_000);

afterAll(async () => {
  await scorer?.close();
  rmSync(root, { recursive: true, force: true });
});

const request = (trigger: TriggerRequest['trigger'], model: string): TriggerRequest => ({
  trigger,
  payload: { body: Buffer.from(JSON.stringify({ data: [ZERO_DIGIT] })), contentType: 'application/json' },
  model,
});

const failed = (p: Promise<unknown>) => p.then(() => undefined, classifyFailure);

describe('a model past its timeout_ms', () => {
  it('HTTP: TIMEOUT with status 504, a transient failure rendered {error, code}', async () => {
    const failure = await failed(scoreRequest(scorer, request('http', 'hangs')));
    expect(failure?.kind).toBe('transient');
    expect(failure?.error.status).toBe(504);
    expect(failure?.error.toJSON()).toEqual({
      error: expect.stringContaining('"timeout_ms"'),
      code: 'TIMEOUT',
    });
  });

  it('blob: transient, so the host retries it and then poisons it', async () => {
    const failure = await failed(scoreRequest(scorer, request('blob', 'hangs')));
    expect(failure).toMatchObject({ kind: 'transient', error: { code: 'TIMEOUT' } });
  });

  it('storage queue: answered, an error reply with code TIMEOUT (the message is deleted, not retried)', async () => {
    const failure = await failed(scoreRequest(scorer, request('queue', 'hangs')));
    expect(failure).toMatchObject({ kind: 'permanent', error: { code: 'TIMEOUT' } });
    expect(replyContent(failure!, undefined)).toMatchObject({
      body: { code: 'TIMEOUT' },
      properties: { status: 'error' },
    });
  });

  it('Service Bus batch: 4 for the hanging model and 10 for mnist: the 10 answered, the 4 TIMEOUT error replies', async () => {
    const batch = [
      ...Array.from({ length: 4 }, () => request('servicebus', 'hangs')),
      ...Array.from({ length: 10 }, () => request('servicebus', 'mnist')),
    ];
    const outcomes = await scoreRequests(scorer, batch);
    expect(outcomes.slice(0, 4).map((o) => 'error' in o && o.kind + ' ' + o.error.code)).toEqual(
      Array(4).fill('permanent TIMEOUT'),
    );
    for (const o of outcomes.slice(4)) expect('outputs' in o && o.outputs.model.name).toBe('mnist');
  });
});

describe('a request run as a job (HTTP 202)', () => {
  it('is bounded by job_timeout_ms: answered where the same request direct is TIMEOUT after timeout_ms', async () => {
    // The job first: a direct run past its timeout_ms gets its script thread stopped by the core, a little
    // after the adapter has answered TIMEOUT, and a run sent to that thread meanwhile is stopped with it.
    const job = await scoreRequest(scorer, { ...request('http', 'slow'), job: {} });
    expect(job).toMatchObject({ entry: { body: { done: true } } });
    const direct = await failed(scoreRequest(scorer, request('http', 'slow')));
    expect(direct).toMatchObject({ kind: 'transient', error: { code: 'TIMEOUT', status: 504 } });
    expect(direct?.error.message).toContain('(config.json "timeout_ms")');
  });

  it("is cut at its budget's maxMs (functionTimeout less a margin) when that is less, naming job_timeout_ms", async () => {
    const failure = await failed(scoreRequest(scorer, { ...request('http', 'hangs'), job: { maxMs: 300 } }));
    expect(failure).toMatchObject({ error: { code: 'TIMEOUT' } });
    expect(failure?.error.message).toContain('300 ms (config.json "job_timeout_ms")');
  });
});

describe('a request waiting for its model to load', () => {
  // The model's init waits for a file this test writes at the end: until then the version is LOADING and
  // a request for it waits (MODEL_LOAD_WAIT_MS, far longer than the model's timeout_ms).
  const GATED = (file: string) => `
import { existsSync } from 'node:fs';
export async function init() {
  while (!existsSync(${JSON.stringify(file)})) await new Promise((r) => setTimeout(r, 10));
}
export function run() { return { ran: true }; }
`;
  let gatedRoot: string;
  let gate: string;
  let loading: Scorer;

  beforeAll(async () => {
    gatedRoot = mkdtempSync(join(tmpdir(), 'modelfn-adapter-gated-'));
    gate = join(gatedRoot, 'open');
    mkdirSync(join(gatedRoot, 'gated', '1'), { recursive: true });
    writeFileSync(join(gatedRoot, 'gated', '1', 'model.onnx'), identityModel('FP32', [null, 1]));
    writeFileSync(join(gatedRoot, 'gated', 'score.js'), GATED(gate));
    writeFileSync(join(gatedRoot, 'gated', 'config.json'), JSON.stringify({ timeout_ms: 100 }));
    loading = await createScorer(
      readSettings({
        MODEL_REPOSITORY: gatedRoot,
        CACHE_MODE: 'memory',
        ENTRY_SCRIPT_THREADS: '1',
        MODEL_LOAD_WAIT_MS: '600000',
      }),
      { waitForModels: false },
    );
  });

  afterAll(async () => {
    writeFileSync(gate, '');
    await loading?.modelsSettled();
    await loading?.close();
    rmSync(gatedRoot, { recursive: true, force: true });
  });

  it('is bounded by the model timeout_ms as well: TIMEOUT, not a wait of MODEL_LOAD_WAIT_MS', async () => {
    const gated = loading.repository.find('gated');
    expect(gated.state, gated.reason).toBe('LOADING');
    const failure = await failed(scoreRequest(loading, request('http', 'gated')));
    expect(failure).toMatchObject({ kind: 'transient', error: { code: 'TIMEOUT', status: 504 } });
  });
});
