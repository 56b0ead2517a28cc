import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { heavyModel, identityModel } from '@modelfn/model-builder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scriptAnswer } from '../support/script-answer.js';
import { createScorer, readSettings, type Scorer } from '../../src/index.js';
import type { ReadyModel } from '../../src/model/model-version.js';

// Per-model readiness: the scorer serves as soon as the repository is scanned; `gated` is an entry-script
// model whose init (part of its warm-up) lasts until the test creates a file, so it is still loading, for
// as long as the test wants, while the real mnist model must already answer.
const MNIST = resolve(import.meta.dirname, '../../../../models/mnist');

let root: string;
let gateFile: string;
const scorers: Scorer[] = [];

const gatedScript = (file: string) => `
import { existsSync } from 'node:fs';
export async function init() {
  while (!existsSync(${JSON.stringify(file)})) await new Promise((r) => setTimeout(r, 10));
}
export function run(request) {
  return { warmed: true, bytes: request.body.length };
}
`;

function settingsFor(env: Record<string, string>) {
  return readSettings({
    MODEL_REPOSITORY: root,
    CACHE_MODE: 'memory',
    DEFAULT_MODEL: 'mnist',
    ENTRY_SCRIPT_THREADS: '0',
    INFERENCE_THREADS: '0',
    ...env,
  });
}

/** createScorer without waiting for the models; fails (instead of hanging) if it waits for the gated one. */
async function startScorer(env: Record<string, string>): Promise<Scorer> {
  const started = createScorer(settingsFor(env), { waitForModels: false });
  // Whatever happens, the scorer is closed at the end (after the gate opens, a waiting start resolves too).
  void started.then((s) => scorers.push(s));
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error('createScorer did not resolve while a model was still warming up')),
      10_000,
    );
  });
  try {
    return await Promise.race([started, late]);
  } finally {
    clearTimeout(timer);
  }
}

const entryRequest = (s: Scorer) =>
  scriptAnswer(s, {
    trigger: 'http',
    body: Buffer.from('{"x":1}'),
    contentType: 'application/json',
    model: 'gated',
  });

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'modelfn-loading-'));
  gateFile = join(root, 'warm-up-may-finish');
  cpSync(MNIST, join(root, 'mnist'), { recursive: true });
  mkdirSync(join(root, 'gated', '1'), { recursive: true });
  writeFileSync(join(root, 'gated', '1', 'm.onnx'), identityModel('FP32', [null, 1]));
  writeFileSync(join(root, 'gated', 'score.js'), gatedScript(gateFile));
});

afterAll(async () => {
  writeFileSync(gateFile, '');
  await new Promise((r) => setTimeout(r, 50));
  await Promise.all(scorers.map((s) => s.close()));
  rmSync(root, { recursive: true, force: true });
});

describe('per-model readiness (models load after the scorer starts)', () => {
  it('mnist answers while another model still warms up; a request for that one waits for it', async () => {
    const scorer = await startScorer({ MODEL_LOAD_WAIT_MS: '20000' });
    const row = Array.from({ length: 784 }, (_, i) => (i % 7) / 7);
    const result = await scorer.infer({ object: { data: [row] }, model: 'mnist' });
    expect(result.rows).toBe(1);
    expect(result.model.name).toBe('mnist');
    const scored = await scorer.infer({
      body: Buffer.from(JSON.stringify({ data: [row] })),
      contentType: 'application/json',
      model: 'mnist',
    });
    expect(scored.model.state).toBe('READY');

    const gated = scorer.repository.find('gated');
    expect(gated.state).toBe('LOADING');
    expect(scorer.repository.isLoading).toBe(true);
    expect(scorer.hasEntryScript({ model: 'gated' })).toBe(true);
    expect(() => scorer.repository.ready('mnist')).not.toThrow();

    let answered = false;
    const waiting = entryRequest(scorer).then((r) => ((answered = true), r));
    await new Promise((r) => setTimeout(r, 300));
    expect(answered).toBe(false);

    writeFileSync(gateFile, '');
    const answer = await waiting;
    expect(answer.body).toEqual({ warmed: true, bytes: 7 });
    expect(gated.state).toBe('READY');
    await scorer.modelsSettled();
    expect(scorer.repository.isLoading).toBe(false);
    rmSync(gateFile);
  });

  it('a request that waits longer than MODEL_LOAD_WAIT_MS gets 503 MODEL_LOADING with a retry hint', async () => {
    const scorer = await startScorer({ MODEL_LOAD_WAIT_MS: '150' });
    const started = Date.now();
    await expect(entryRequest(scorer)).rejects.toMatchObject({
      code: 'MODEL_LOADING',
      status: 503,
      permanent: false,
      retryAfterSeconds: 1,
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(scorer.repository.find('gated').state).toBe('LOADING');
    writeFileSync(gateFile, '');
    await scorer.modelsSettled();
    await expect(entryRequest(scorer)).resolves.toMatchObject({ body: { warmed: true } });
  });

  it('a plain model still warming up: its request waits, then runs where its warm-up placed it', async () => {
    // 1 MB of weights (mnist's file is 0.4 MB, so mnist loads first), several ms a row: its warm-up moves it
    // to the inference pool, and no request may run on it before that.
    const WIDTH = 512;
    const dir = mkdtempSync(join(tmpdir(), 'modelfn-loading-heavy-'));
    try {
      cpSync(MNIST, join(dir, 'mnist'), { recursive: true });
      mkdirSync(join(dir, 'heavy', '1'), { recursive: true });
      writeFileSync(join(dir, 'heavy', '1', 'model.onnx'), heavyModel({ width: WIDTH, layers: 100 }));
      const scorer = await createScorer(
        readSettings({
          MODEL_REPOSITORY: dir,
          CACHE_MODE: 'memory',
          DEFAULT_MODEL: 'mnist',
          INFERENCE_THREADS: '1',
          INFERENCE_INLINE_MAX_MS: '0.1',
        }),
        { waitForModels: false },
      );
      scorers.push(scorer);
      const heavy = scorer.repository.find('heavy');
      expect(heavy.state).toBe('LOADING');
      const x = Array.from({ length: WIDTH }, (_, i) => Math.sin(i));
      const result = await scorer.infer({
        object: { inputs: [{ name: 'x', shape: [1, WIDTH], datatype: 'FP32', data: x }] },
        model: 'heavy',
      });
      expect(result.rows).toBe(1);
      expect(heavy.state).toBe('READY');
      expect(scorer.placement(heavy as ReadyModel)).toBe('pool');
      expect(scorer.repository.find('mnist').state).toBe('READY');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
