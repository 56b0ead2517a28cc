// Model control (issue 27 items 1 and 2) on a folder repository: versions added, replaced and removed while
// requests run, a changed config.json, a corrupt model.onnx, an entry script changed, Triton's load and
// unload, and the poller's own timer.
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { offsetModel } from '@modelfn/model-builder';
import { afterEach, describe, expect, it } from 'vitest';
import { createScorer, readSettings, registry, type Scorer } from '../../src/index.js';
import type { ModelVersion } from '../../src/model/model-version.js';
import { codeOfAsync } from '../support/codes.js';
import { pollUntil, valueOf } from '../support/model-control.js';

let root: string;
let scorer: Scorer | undefined;

afterEach(async () => {
  await scorer?.close();
  scorer = undefined;
  rmSync(root, { recursive: true, force: true });
});

/** Writes a file as a deployment should: a temporary name, then renamed over the old one. */
function put(path: string, bytes: Uint8Array | string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(`${path}.tmp`, bytes);
  renameSync(`${path}.tmp`, path);
}

async function start(env: Record<string, string>, models: Record<string, number> = { plus: 1 }) {
  root = mkdtempSync(join(tmpdir(), 'modelfn-control-'));
  for (const [name, offset] of Object.entries(models))
    put(join(root, name, '1', 'model.onnx'), offsetModel(offset));
  scorer = await createScorer(
    readSettings({
      MODEL_REPOSITORY: root,
      CACHE_MODE: 'memory',
      INFERENCE_THREADS: '0',
      ENTRY_SCRIPT_THREADS: '1',
      ...env,
    }),
  );
  return scorer;
}

const ask = (s: Scorer, x: number, version?: string) =>
  s.infer({ object: { data: [[x]] }, model: 'plus', ...(version ? { version } : {}) }).then(valueOf);

/** The repository index as POST /v2/repository/index lists it. */
const indexOf = (s: Scorer) =>
  s.repository.names().flatMap((name) =>
    s.repository.versions(name).map((v) => ({
      name,
      version: v.version,
      state: v.state,
      ...(v.reason ? { reason: v.reason } : {}),
    })),
  );

const released = (v: ModelVersion) => (v.model as unknown as { released: boolean }).released;

async function failuresOf(model: string, version: string): Promise<number> {
  const metric = (await registry.getSingleMetric('modelfn_model_load_failures_total')!.get()).values;
  return metric.find((m) => m.labels.model === model && m.labels.version === version)?.value ?? 0;
}

describe('MODEL_CONTROL_MODE=poll on a folder repository', () => {
  it('adds, replaces and removes a version while requests run: none fails, each answer is a served version', async () => {
    const s = await start({ MODEL_CONTROL_MODE: 'poll', MODEL_POLL_INTERVAL_S: '3600' });
    let running = true;
    const answers: number[] = [];
    const failures: unknown[] = [];
    // Eight clients, each one request at a time, inputs that repeat (cache hits) and that do not (runs).
    const clients = Array.from({ length: 8 }, async (_, c) => {
      for (let i = 0; running; i++) {
        const x = i % 2 === 0 ? 10 : 10 + ((c * 7919 + i) % 1000) / 1000;
        try {
          answers.push(Math.round((await ask(s, x)) - x));
        } catch (e) {
          failures.push(e);
        }
      }
    });
    const seen = async (offset: number) => {
      const from = answers.length;
      await pollUntil(() => answers.slice(from).includes(offset) && answers.at(-1) === offset);
    };
    try {
      await seen(1);
      const first = s.repository.find('plus', '1');
      put(join(root, 'plus', '2', 'model.onnx'), offsetModel(2));
      await s.repository.poll();
      // Under the default policy (latest 1) the new version replaces the old one as soon as it is READY.
      await seen(2);
      expect(s.repository.versions('plus').map((v) => v.version)).toEqual(['2']);
      const two = s.repository.find('plus', '2');
      put(join(root, 'plus', '2', 'model.onnx'), offsetModel(3));
      await s.repository.poll();
      await seen(3);
      expect(s.repository.find('plus', '2')).not.toBe(two);
      rmSync(join(root, 'plus', '2'), { recursive: true });
      await s.repository.poll();
      await seen(1);
      // Retired versions are released once the requests that could hold them have finished.
      await pollUntil(() => released(first) && released(two));
    } finally {
      running = false;
      await Promise.all(clients);
    }
    expect(failures).toEqual([]);
    expect(new Set(answers)).toEqual(new Set([1, 2, 3]));
  }, 60_000);

  it('reloads every version of a model whose config.json changed (here its version_policy)', async () => {
    const s = await start({ MODEL_CONTROL_MODE: 'poll', MODEL_POLL_INTERVAL_S: '3600' });
    put(join(root, 'plus', '2', 'model.onnx'), offsetModel(2));
    await s.repository.poll();
    expect(s.repository.versions('plus').map((v) => v.version)).toEqual(['2']);
    put(join(root, 'plus', 'config.json'), JSON.stringify({ version_policy: { all: {} } }));
    await s.repository.poll();
    expect(s.repository.versions('plus').map((v) => [v.version, v.state])).toEqual([
      ['1', 'READY'],
      ['2', 'READY'],
    ]);
    expect(await ask(s, 5, '1')).toBe(6);
    expect(await ask(s, 5, '2')).toBe(7);
    // Nothing changed: a poll keeps the very same versions (no reload, no re-hash).
    const before = s.repository.versions('plus');
    await s.repository.poll();
    expect(s.repository.versions('plus')).toBe(before);
  }, 30_000);

  it('keeps the loaded version serving when its model.onnx is replaced by a corrupt file, and says why', async () => {
    const s = await start({ MODEL_CONTROL_MODE: 'poll', MODEL_POLL_INTERVAL_S: '3600' });
    const one = s.repository.find('plus', '1');
    const failedBefore = await failuresOf('plus', '1');
    put(join(root, 'plus', '1', 'model.onnx'), Buffer.from('this is not an ONNX graph'));
    await s.repository.poll();
    expect(s.repository.find('plus', '1')).toBe(one);
    expect(await ask(s, 1)).toBe(2);
    const [entry] = indexOf(s);
    expect(entry).toMatchObject({ name: 'plus', version: '1', state: 'READY' });
    expect(entry.reason).toMatch(
      /^reload failed: .*not a loadable ONNX model.*the version loaded before keeps serving$/,
    );
    expect(await failuresOf('plus', '1')).toBe(failedBefore + 1);
    // The same bad file is not tried again at every poll.
    await s.repository.poll();
    expect(await failuresOf('plus', '1')).toBe(failedBefore + 1);

    // A new version that cannot load: the old one keeps answering requests that name none.
    put(join(root, 'plus', '2', 'model.onnx'), Buffer.from([0x80, 0x04, 0x95]));
    await s.repository.poll();
    expect(indexOf(s)).toEqual([
      expect.objectContaining({ version: '1', state: 'READY' }),
      { name: 'plus', version: '2', state: 'UNAVAILABLE', reason: expect.stringMatching(/pickle/) },
    ]);
    expect(await ask(s, 1)).toBe(2);
    expect(await codeOfAsync(ask(s, 1, '2'))).toBe('MODEL_NOT_READY');
    expect(await failuresOf('plus', '2')).toBeGreaterThan(0);
    // Fixed: version 2 serves, version 1 (the policy's latest 1) goes.
    put(join(root, 'plus', '2', 'model.onnx'), offsetModel(2));
    await s.repository.poll();
    expect(indexOf(s)).toEqual([{ name: 'plus', version: '2', state: 'READY' }]);
    expect(await ask(s, 1)).toBe(3);
  }, 30_000);

  it('loads a model folder that appears, and MODELS keeps out the ones it does not name', async () => {
    const s = await start({
      MODEL_CONTROL_MODE: 'poll',
      MODEL_POLL_INTERVAL_S: '3600',
      MODELS: 'plus,later',
    });
    put(join(root, 'later', '1', 'model.onnx'), offsetModel(5));
    put(join(root, 'other', '1', 'model.onnx'), offsetModel(6));
    await s.repository.poll();
    expect(s.repository.names().sort()).toEqual(['later', 'plus']);
    const r = await s.infer({ object: { data: [[1]] }, model: 'later' });
    expect(valueOf(r)).toBe(6);
    // Removing the folder stops serving it.
    rmSync(join(root, 'later'), { recursive: true });
    await s.repository.poll();
    expect(await codeOfAsync(s.infer({ object: { data: [[1]] }, model: 'later' }))).toBe('MODEL_NOT_FOUND');
  }, 30_000);

  it.each(['0', '1'])(
    'reloads an entry-script model when its script changes (ENTRY_SCRIPT_THREADS=%s)',
    async (threads) => {
      const s = await start({
        MODEL_CONTROL_MODE: 'poll',
        MODEL_POLL_INTERVAL_S: '3600',
        ENTRY_SCRIPT_THREADS: threads,
      });
      const script = (answer: string) =>
        `export async function run(request, context) { return { answer: ${JSON.stringify(answer)} }; }`;
      put(join(root, 'scripted', '1', 'model.onnx'), offsetModel(0));
      put(join(root, 'scripted', 'score.js'), script('first'));
      await s.repository.poll();
      const ask2 = () =>
        s.infer({
          body: Buffer.from('{}'),
          contentType: 'application/json',
          model: 'scripted',
          trigger: 'http',
        });
      expect(await ask2()).toMatchObject({ kind: 'entry', body: { answer: 'first' } });
      put(join(root, 'scripted', 'score.js'), script('second'));
      await s.repository.poll();
      expect(await ask2()).toMatchObject({ kind: 'entry', body: { answer: 'second' } });
    },
    30_000,
  );

  it('counts each poll once done, and a poll done serves what was in the folder when it began', async () => {
    const s = await start({ MODEL_CONTROL_MODE: 'poll', MODEL_POLL_INTERVAL_S: '3600' });
    const polls = async (outcome: string) =>
      (await registry.getSingleMetric('modelfn_model_repository_polls_total')!.get()).values.find(
        (m) => m.labels.outcome === outcome,
      )?.value ?? 0;
    const before = await polls('read');
    put(join(root, 'plus', '2', 'model.onnx'), offsetModel(2));
    await s.repository.poll();
    // Counted only once the version it found is loaded and swapped in: no request after it sees version 1.
    expect(await polls('read')).toBe(before + 1);
    expect(await ask(s, 1)).toBe(3);
  });

  it('a host started on an empty repository takes its default model from the first one uploaded', async () => {
    const s = await start({ MODEL_CONTROL_MODE: 'poll', MODEL_POLL_INTERVAL_S: '3600' }, {});
    const noModel = () => s.infer({ object: { data: [[1]] } });
    expect(await codeOfAsync(noModel())).toBe('MODEL_NOT_FOUND');
    put(join(root, 'plus', '1', 'model.onnx'), offsetModel(1));
    await s.repository.poll();
    expect(valueOf(await noModel())).toBe(2);
    // A model added later does not take the default over, even one first by name.
    put(join(root, 'aaa', '1', 'model.onnx'), offsetModel(50));
    await s.repository.poll();
    expect(valueOf(await noModel())).toBe(2);
    expect(s.repository.defaultModel).toBe('plus');
  });

  it('polls on its own every MODEL_POLL_INTERVAL_S, and close() ends the poller', async () => {
    const s = await start({ MODEL_CONTROL_MODE: 'poll', MODEL_POLL_INTERVAL_S: '0.1' });
    put(join(root, 'plus', '2', 'model.onnx'), offsetModel(2));
    await pollUntil(async () => (await ask(s, 1)) === 3);
    const control = (s.repository as unknown as { control: { timer?: NodeJS.Timeout } }).control;
    await s.close();
    scorer = undefined;
    expect(control.timer).toBeUndefined();
  }, 30_000);
});

describe('MODEL_CONTROL_MODE=explicit: load and unload', () => {
  it('changes nothing until asked; load (re)loads, unload drains and releases', async () => {
    const s = await start({ MODEL_CONTROL_MODE: 'explicit', MODEL_POLL_INTERVAL_S: '0.1' });
    const one = s.repository.find('plus', '1');
    put(join(root, 'plus', '2', 'model.onnx'), offsetModel(2));
    await s.repository.poll(); // nothing: explicit mode reads the repository on load only
    expect(await ask(s, 1)).toBe(2);
    expect(await s.repository.loadModel('plus')).toEqual([{ name: 'plus', version: '2', state: 'READY' }]);
    expect(await ask(s, 1)).toBe(3);
    await pollUntil(() => released(one));

    const two = s.repository.find('plus', '2');
    expect(await s.repository.unloadModel('plus')).toEqual([
      { name: 'plus', version: '2', state: 'UNAVAILABLE', reason: expect.stringMatching(/^unloaded/) },
    ]);
    expect(released(two)).toBe(true);
    expect(await codeOfAsync(ask(s, 1))).toBe('MODEL_NOT_READY');
    await s.repository.loadModel('plus');
    expect(await ask(s, 1)).toBe(3);

    put(join(root, 'plus', '3', 'model.onnx'), Buffer.from('corrupt'));
    await expect(s.repository.loadModel('plus')).rejects.toMatchObject({
      code: 'MODEL_LOAD_FAILED',
      status: 400,
      message: expect.stringMatching(/version 3: .*not a loadable ONNX model/),
    });
    expect(await ask(s, 1)).toBe(3);
    expect(await codeOfAsync(s.repository.loadModel('nothere'))).toBe('MODEL_NOT_FOUND');
  }, 30_000);

  it('is refused in none and poll mode, naming the setting', async () => {
    const s = await start({});
    await expect(s.repository.loadModel('plus')).rejects.toMatchObject({
      code: 'MODEL_CONTROL_DISABLED',
      status: 400,
      message: expect.stringMatching(/MODEL_CONTROL_MODE=none/),
    });
    await s.close();
    rmSync(root, { recursive: true, force: true });
    const p = await start({ MODEL_CONTROL_MODE: 'poll', MODEL_POLL_INTERVAL_S: '3600' });
    await expect(p.repository.unloadModel('plus')).rejects.toMatchObject({
      code: 'MODEL_CONTROL_DISABLED',
      message: expect.stringMatching(/MODEL_CONTROL_MODE=poll/),
    });
  }, 30_000);
});
