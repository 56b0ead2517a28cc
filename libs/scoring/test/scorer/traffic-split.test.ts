// config.json `traffic` through the scorer with real onnxruntime sessions: each version of the test model
// adds its own number to x (offsetModel), so every answer says by its values which version gave it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { offsetModel } from '@modelfn/model-builder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createScorer,
  readSettings,
  type EntryResult,
  type ManyOutcome,
  type ModelAnswer,
  type Scorer,
} from '../../src/index.js';
import { failureOf } from '../support/codes.js';
import { valuesOf } from '../support/fakes.js';

let root: string;
let scorer: Scorer;
/** The scorer's draw: a test sets it before the requests it routes. */
let draw: () => number = Math.random;
let draws = 0;

function model(name: string, config: object | undefined, versions: Record<string, Uint8Array | string>) {
  mkdirSync(join(root, name), { recursive: true });
  if (config) writeFileSync(join(root, name, 'config.json'), JSON.stringify(config));
  for (const [v, onnx] of Object.entries(versions)) {
    mkdirSync(join(root, name, v), { recursive: true });
    writeFileSync(join(root, name, v, 'model.onnx'), onnx);
  }
}

/** `n` draws spread evenly over [0, 1): each version gets exactly its share of n requests. */
function evenDraws(n: number): () => number {
  let i = 0;
  return () => (i++ % n) / n + 0.5 / n;
}

const all = { version_policy: { all: {} } };

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'modelfn-traffic-'));
  model(
    'split',
    { ...all, traffic: { '1': 3, '2': 1 } },
    { 1: offsetModel(1), 2: offsetModel(2), 3: offsetModel(3) },
  );
  // Weight on a version that cannot load and on one with no folder: shared by version 1 alone.
  model('broken', { ...all, traffic: { '1': 1, '2': 1, '5': 1 } }, { 1: offsetModel(1), 2: 'not onnx' });
  // Every weighted version fails: a request naming none is refused, naming version 3 still answers.
  model('down', { ...all, traffic: { '1': 1, '3': 0 } }, { 1: 'not onnx', 3: offsetModel(3) });
  model('invalid', { traffic: { '1': -1 } }, { 1: offsetModel(1) });
  // An entry script splits as a plain model does: its context.infer runs its own version's graph.
  model('script', { ...all, traffic: { '1': 1, '2': 1 } }, { 1: offsetModel(1), 2: offsetModel(2) });
  writeFileSync(
    join(root, 'script', 'score.js'),
    [
      'export async function run(request, context) {',
      "  const out = await context.infer('model.onnx', { x: { name: 'x', datatype: 'FP32', shape: [1, 1], data: Float32Array.of(10) } });",
      '  return { y: out.y.data[0] };',
      '}',
    ].join('\n'),
  );
  const settings = readSettings({ MODEL_REPOSITORY: root, CACHE_MODE: 'memory', ENTRY_SCRIPT_THREADS: '1' });
  scorer = await createScorer(settings, {
    random: () => {
      draws++;
      return draw();
    },
  });
});
afterAll(async () => {
  await scorer?.close();
  rmSync(root, { recursive: true, force: true });
});

const json = (data: number[][]) => ({
  body: Buffer.from(JSON.stringify({ data })),
  contentType: 'application/json',
});

/** The version an answer's values say gave it: y - x for every row, which must agree. */
function versionOf(a: ModelAnswer, xs: number[]): string {
  const offsets = valuesOf(a.outputs[0]).map((y, i) => Math.round(y - xs[i]));
  expect(new Set(offsets).size).toBe(1);
  return String(offsets[0]);
}

describe('a request that names no version', () => {
  it('goes to the versions by weight, normalised (3:1 is 75/25), one draw per request for all its rows', async () => {
    draw = evenDraws(400);
    const before = draws;
    const counts: Record<string, number> = {};
    for (let i = 0; i < 400; i++) {
      const xs = [i, i + 1000];
      const a = (await scorer.infer({ model: 'split', ...json(xs.map((x) => [x])) })) as ModelAnswer;
      // The answer says the version whose graph ran: x-model, blob records and replies read it here.
      expect(versionOf(a, xs)).toBe(a.model.version);
      counts[a.model.version] = (counts[a.model.version] ?? 0) + 1;
    }
    expect(draws - before).toBe(400);
    // Version 3 is served but the table gives it no weight.
    expect(counts).toEqual({ '1': 300, '2': 100 });
  });

  it('spreads a batch of messages (inferMany) request by request, each answered by its own version', async () => {
    draw = evenDraws(40);
    const xs = Array.from({ length: 40 }, (_, i) => 5000 + i);
    const out: ManyOutcome[] = await scorer.inferMany(xs.map((x) => ({ model: 'split', ...json([[x]]) })));
    const versions = out.map((o, i) => versionOf(o as ModelAnswer, [xs[i]]));
    expect(out.map((o) => (o as ModelAnswer).model.version)).toEqual(versions);
    expect(versions.filter((v) => v === '1')).toHaveLength(30);
    expect(versions.filter((v) => v === '2')).toHaveLength(10);
  });

  it('is answered through an entry script by the chosen version (its result and its graph)', async () => {
    draw = evenDraws(60);
    const counts: Record<string, number> = {};
    for (let i = 0; i < 60; i++) {
      const r = (await scorer.infer({
        trigger: 'http',
        model: 'script',
        body: Buffer.from('x'),
        contentType: 'text/plain',
      })) as EntryResult;
      expect(r.kind).toBe('entry');
      expect((r.body as { y: number }).y).toBe(10 + Number(r.model.version));
      counts[r.model.version] = (counts[r.model.version] ?? 0) + 1;
    }
    expect(counts).toEqual({ '1': 30, '2': 30 });
  });

  it('never answers from rows another version cached: the row keys carry the version and its file hash', async () => {
    // A row no earlier test sent.
    const row = json([[0.5]]);
    draw = () => 0; // version 1
    const first = (await scorer.infer({ model: 'split', ...row })) as ModelAnswer;
    expect([first.model.version, first.cache, valuesOf(first.outputs[0])]).toEqual(['1', 'miss', [1.5]]);
    const again = (await scorer.infer({ model: 'split', ...row })) as ModelAnswer;
    expect([again.model.version, again.cache, valuesOf(again.outputs[0])]).toEqual(['1', 'hit', [1.5]]);
    draw = () => 0.99; // version 2: the same body and row, another model file
    const second = (await scorer.infer({ model: 'split', ...row })) as ModelAnswer;
    expect([second.model.version, second.cache, valuesOf(second.outputs[0])]).toEqual(['2', 'miss', [2.5]]);
    expect(second.model.sha256).not.toBe(first.model.sha256);
    const hit = (await scorer.infer({ model: 'split', ...row })) as ModelAnswer;
    expect([hit.model.version, hit.cache, valuesOf(hit.outputs[0])]).toEqual(['2', 'hit', [2.5]]);
  });

  it('skips a weighted version that failed to load or is not served, and says so at start', async () => {
    draw = Math.random;
    for (let i = 0; i < 50; i++) {
      const a = (await scorer.infer({ model: 'broken', ...json([[i]]) })) as ModelAnswer;
      expect(a.model.version).toBe('1');
    }
    const summary = scorer.repository.summaries().find((s) => s.name === 'broken');
    expect(summary?.traffic).toEqual({ '1': 100, '2': 0 });
    expect(scorer.repository.problems).toContain(
      'model "broken": config.json traffic names version 5, which is not served (no such folder, or version_policy leaves it out); its weight goes to the others',
    );
  });

  it('is refused 503 MODEL_NOT_READY when no weighted version can answer; a weight of 0 is never a fallback', async () => {
    const e = await failureOf(scorer.infer({ model: 'down', ...json([[1]]) }));
    expect(e.code).toBe('MODEL_NOT_READY');
    expect(e.message).toMatch(
      /^model "down": no version that config.json traffic sends requests to can answer \(version 1 is UNAVAILABLE: .*\); name a version to reach another, e\.g\. "down:3"$/,
    );
    const named = (await scorer.infer({ model: 'down', version: '3', ...json([[1]]) })) as ModelAnswer;
    expect(valuesOf(named.outputs[0])).toEqual([4]);
  });
});

describe('a request that names a version', () => {
  it('gets that version, weight 0 or not, and draws nothing', async () => {
    const before = draws;
    for (const version of ['1', '2', '3', '2', '3']) {
      const a = (await scorer.infer({
        model: 'split',
        version,
        ...json([[version === '3' ? 1 : 2]]),
      })) as ModelAnswer;
      expect(a.model.version).toBe(version);
      expect(versionOf(a, [version === '3' ? 1 : 2])).toBe(version);
    }
    expect(draws).toBe(before);
  });
});

describe('the repository', () => {
  it('describes the version most requests go to when none is named (metadata, limits)', () => {
    expect(scorer.repository.find('split').version).toBe('1');
    expect(scorer.repository.summaries().find((s) => s.name === 'split')?.traffic).toEqual({
      '1': 75,
      '2': 25,
      '3': 0,
    });
  });

  it('refuses a model whose traffic is invalid, as any config error, and serves the others', () => {
    expect(scorer.repository.names()).not.toContain('invalid');
    expect(scorer.repository.problems.join('\n')).toContain(
      'model "invalid": config.json traffic weight of version 1 must be a number >= 0, got -1',
    );
  });

  it('takes a new table whole (a config reload): the next requests follow it', async () => {
    try {
      scorer.repository.setTraffic('split', { '3': 1 });
      draw = Math.random;
      for (let i = 0; i < 20; i++) {
        const a = (await scorer.infer({ model: 'split', ...json([[i]]) })) as ModelAnswer;
        expect(a.model.version).toBe('3');
      }
      scorer.repository.setTraffic('split', undefined);
      // No table: the newest version, as without traffic.
      const a = (await scorer.infer({ model: 'split', ...json([[0]]) })) as ModelAnswer;
      expect(a.model.version).toBe('3');
      expect(scorer.repository.summaries().find((s) => s.name === 'split')?.traffic).toBeUndefined();
    } finally {
      scorer.repository.setTraffic('split', { '1': 3, '2': 1 });
    }
  });
});
