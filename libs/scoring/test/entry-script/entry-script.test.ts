import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { identityModel } from '@modelfn/model-builder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scriptAnswer } from '../support/script-answer.js';
import { createScorer, readSettings, type Scorer } from '../../src/index.js';

// A model served by its entry script: two graphs in the version folder, a script that adds 1 through one
// of them, caches whole answers, answers typed responses and raises coded errors.
const SCRIPT = `
let calls = 0;
let prefix = '';
export async function init(context) {
  prefix = 'v' + context.model.version + ':';
  if (!context.sessions['double.onnx'] || !context.sessions['plus.onnx']) throw new Error('sessions missing');
}
export async function run(request, context) {
  calls++;
  if (request.contentType === 'text/x-teapot') {
    // What response() from @modelfn/scoring makes: a script bundled on its own can build it too.
    return { [Symbol.for('modelfn.entry-response')]: true, body: { short: 'and stout' }, status: 418, headers: { 'x-brew': 'tea' } };
  }
  const body = request.json();
  if (!Array.isArray(body.values)) throw Object.assign(new Error('"values" must be a list of numbers'), { code: 'INVALID_INPUT' });
  if (body.crash) throw new Error('the script fell over');
  if (body.spin) { const until = Date.now() + body.spin; while (Date.now() < until); return { spun: body.spin }; }
  if (body.exit) process.exit(3);
  const key = JSON.stringify(body.values);
  const known = await context.cache.get(key);
  if (known) return known;
  const rows = body.values.length;
  const out = await context.infer('plus.onnx', {
    x: { name: 'x', datatype: 'FP32', shape: [rows, 1], data: Float32Array.from(body.values) },
  });
  const answer = { trigger: request.trigger, prefix, calls, y: Array.from(out.y.data) };
  await context.cache.set(key, answer);
  return answer;
}
// Asked by the HTTP trigger before run: long requests are answered later (only true means yes).
export async function respondAsync(request) {
  const body = request.json();
  if (body.refuse) throw Object.assign(new Error('refused before any run'), { code: 'TOO_MANY_PAGES' });
  if (body.maybe) return 'yes';
  return Array.isArray(body.values) && body.values.length > 3;
}
`;

let root: string;
let scorer: Scorer;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'modelfn-entry-'));
  mkdirSync(join(root, 'script', '1'), { recursive: true });
  writeFileSync(join(root, 'script', '1', 'plus.onnx'), identityModel('FP32', [null, 1]));
  writeFileSync(join(root, 'script', '1', 'double.onnx'), identityModel('FP32', [null, 2]));
  writeFileSync(join(root, 'script', 'score.js'), SCRIPT);
  mkdirSync(join(root, 'failing', '1'), { recursive: true });
  writeFileSync(join(root, 'failing', '1', 'model.onnx'), identityModel('FP32', [null, 1]));
  writeFileSync(
    join(root, 'failing', 'score.js'),
    'export function init() { throw new Error("no keys file"); }\nexport function run() {}',
  );
  mkdirSync(join(root, 'pinned', '1'), { recursive: true });
  writeFileSync(join(root, 'pinned', '1', 'a.onnx'), identityModel('FP32', [null, 1]));
  writeFileSync(
    join(root, 'pinned', 'config.json'),
    JSON.stringify({ files: { 'a.onnx': { path: 'a.onnx', sha256: '00' } } }),
  );
  writeFileSync(join(root, 'pinned', 'score.js'), 'export function run() { return 1; }');
  // TypeScript as it is, where the host runs under a TypeScript loader (npm start, tests).
  mkdirSync(join(root, 'typed', '1'), { recursive: true });
  writeFileSync(join(root, 'typed', '1', 'm.onnx'), identityModel('FP32', [null, 1]));
  writeFileSync(
    join(root, 'typed', 'score.ts'),
    'interface Req { body: Buffer; trigger: string }\nexport function run(request: Req): { bytes: number; trigger: string } {\n  return { bytes: request.body.length, trigger: request.trigger };\n}\n',
  );
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const post = (body: unknown, extra: object = {}) =>
  scriptAnswer(scorer, {
    trigger: 'http',
    body: Buffer.from(JSON.stringify(body)),
    contentType: 'application/json',
    model: 'script',
    ...extra,
  });

describe.each(['0', '2'])('entry scripts (ENTRY_SCRIPT_THREADS=%s)', (threads) => {
  beforeAll(async () => {
    scorer = await createScorer(
      readSettings({ MODEL_REPOSITORY: root, CACHE_MODE: 'memory', ENTRY_SCRIPT_THREADS: threads }),
    );
  });
  afterAll(() => scorer.close());

  it('loads every graph of the version and runs init once', () => {
    const v = scorer.repository.find('script');
    expect(v.state, v.reason).toBe('READY');
    expect(Object.keys(v.entry!.sessions).sort()).toEqual(['double.onnx', 'plus.onnx']);
    expect(scorer.hasEntryScript({ model: 'script' })).toBe(true);
  });

  it('runs the script with the raw request; its infer goes through the row cache', async () => {
    const first = await post({ values: [1, 2] });
    expect(first).toMatchObject({
      kind: 'entry',
      status: 200,
      cache: 'miss',
      model: { name: 'script', version: '1' },
    });
    expect(first.body).toEqual({ trigger: 'http', prefix: 'v1:', calls: 1, y: [1, 2] });
    // Whole answers come from the script's own cache.
    const again = await post({ values: [1, 2] });
    expect([again.cache, (again.body as { calls: number }).calls]).toEqual(['hit', 1]);
    // Rows the session saw before are cache hits even in a new request: a partial answer.
    const overlap = await post({ values: [2, 3] });
    expect(overlap.cache).toBe('partial');
    expect((overlap.body as { y: number[] }).y).toEqual([2, 3]);
  });

  it('passes typed responses and coded errors through, and wraps other failures as transient', async () => {
    const tea = await scriptAnswer(scorer, {
      trigger: 'blob',
      body: Buffer.from('x'),
      contentType: 'text/x-teapot',
      model: 'script',
    });
    expect([tea.status, tea.headers, tea.body]).toEqual([418, { 'x-brew': 'tea' }, { short: 'and stout' }]);
    await expect(post({ values: 'no' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      status: 400,
      permanent: true,
    });
    await expect(post({ values: [1], crash: true })).rejects.toMatchObject({
      code: 'INFERENCE_FAILED',
      permanent: false,
    });
    await expect(
      scriptAnswer(scorer, { trigger: 'http', body: Buffer.from('{'), model: 'script' }),
    ).rejects.toMatchObject({ code: 'INVALID_JSON' });
  });

  it("asks the script's respondAsync, where run would run, whether to answer later", async () => {
    const asks = (body: unknown, model = 'script') =>
      scorer.respondsAsync({
        trigger: 'http',
        body: Buffer.from(JSON.stringify(body)),
        contentType: 'application/json',
        model,
      });
    expect(await asks({ values: [1, 2, 3, 4] })).toBe(true);
    expect(await asks({ values: [1] })).toBe(false);
    expect(await asks({ values: [1], maybe: true })).toBe(false);
    await expect(asks({ refuse: true })).rejects.toMatchObject({ code: 'TOO_MANY_PAGES', status: 413 });
    // A script without respondAsync is never asked.
    expect(await asks({}, 'typed')).toBe(false);
  });

  it('bypasses every cache on request', async () => {
    const fresh = await post({ values: [1, 2] }, { bypassCache: true });
    expect(fresh.cache).toBe('bypass');
    expect((fresh.body as { calls: number }).calls).toBeGreaterThan(1);
  });

  it('makes a version whose init fails, or whose pinned file differs, unavailable with the reason', async () => {
    const failing = scorer.repository.find('failing');
    expect(failing.state).toBe('UNAVAILABLE');
    expect(failing.reason).toMatch(/init\(\) of .*score\.js failed: no keys file/);
    await expect(
      scriptAnswer(scorer, { trigger: 'http', body: Buffer.from('{}'), model: 'failing' }),
    ).rejects.toMatchObject({ code: 'MODEL_NOT_READY' });
    expect(scorer.repository.find('pinned').reason).toMatch(
      /a\.onnx .* has sha256 [0-9a-f]{64}; config\.json pins 00/,
    );
  });

  it('loads score.ts as TypeScript', async () => {
    const r = await scriptAnswer(scorer, { trigger: 'servicebus', body: Buffer.from('abc'), model: 'typed' });
    expect(r.body).toEqual({ bytes: 3, trigger: 'servicebus' });
    // Nothing was looked up: an answer computed from scratch.
    expect(r.cache).toBe('miss');
  });

  it('refuses the tensor paths for a model that answers through its script', async () => {
    await expect(
      scorer.infer({
        body: Buffer.from('{"data": [[1]]}'),
        contentType: 'application/json',
        model: 'script',
      }),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('entry script'),
    });
  });
});

describe('entry scripts in threads of their own', () => {
  beforeAll(async () => {
    scorer = await createScorer(
      readSettings({ MODEL_REPOSITORY: root, CACHE_MODE: 'memory', ENTRY_SCRIPT_THREADS: '2' }),
    );
  });
  afterAll(() => scorer.close());

  it("keep the host's event loop free while a script computes", async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const started = performance.now();
    const answers = await Promise.all([post({ values: [], spin: 150 }), post({ values: [], spin: 150 })]);
    const elapsed = performance.now() - started;
    clearInterval(timer);
    expect(answers.map((a) => a.body)).toEqual([{ spun: 150 }, { spun: 150 }]);
    // In this thread the two spins would let no timer through for 300 ms.
    expect(ticks).toBeGreaterThan(elapsed / 10);
  });

  it('fail the runs of a thread that dies as transient, and replace it', async () => {
    const died = await post({ values: [], exit: true }).catch((e: unknown) => e);
    expect(died).toMatchObject({ code: 'UNAVAILABLE', status: 503, permanent: false });
    let answer: unknown;
    for (let i = 0; i < 50 && !answer; i++) {
      answer = await post({ values: [4] }).catch(() => new Promise((r) => setTimeout(r, 50)));
    }
    expect(answer).toMatchObject({ status: 200, body: { y: [4] } });
  });
});
