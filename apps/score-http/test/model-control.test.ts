// Triton's repository API through the real HTTP app (issue 27 item 2): POST /v2/repository/models/{m}/load
// and /unload with MODEL_CONTROL_MODE=explicit, the index's states and reasons, and the refusal in `none`
// mode. Version n of `plus` answers y = x + n.
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { offsetModel } from '@modelfn/model-builder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type AppUnderTest } from './support/app-host.js';
import { call, postJson, type ErrorBody } from './support/http.js';

let root: string;

function put(path: string, bytes: Uint8Array | string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(`${path}.tmp`, bytes);
  renameSync(`${path}.tmp`, path);
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'modelfn-control-http-'));
  put(join(root, 'plus', '1', 'model.onnx'), offsetModel(1));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

type IndexRow = { name: string; version: string; state: string; reason?: string };

const infer = (app: AppUnderTest, x: number) =>
  postJson<{ outputs: { data: number[] }[] } & Partial<ErrorBody>>(`${app.url}/v2/models/plus/infer`, {
    inputs: [{ name: 'x', shape: [1, 1], datatype: 'FP32', data: [x] }],
  });
const answer = async (app: AppUnderTest, x: number) => (await infer(app, x)).body.outputs[0].data[0];
const post = <T>(app: AppUnderTest, path: string, body?: unknown) =>
  call<T>(`${app.url}${path}`, {
    method: 'POST',
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });

describe('MODEL_CONTROL_MODE=explicit over HTTP', () => {
  let app: AppUnderTest;
  beforeAll(async () => {
    app = await startApp({ modelRepository: root, modelControlMode: 'explicit', inferenceThreads: 0 });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('serves a new version once loaded, with no failed request during the reload', async () => {
    put(join(root, 'plus', '2', 'model.onnx'), offsetModel(2));
    expect(await answer(app, 1)).toBe(2);
    let running = true;
    const statuses: number[] = [];
    const clients = Array.from({ length: 4 }, async (_, c) => {
      for (let i = 0; running; i++) statuses.push((await infer(app, c * 1000 + i)).status);
    });
    try {
      const loaded = await post<{ name: string; versions: unknown[] }>(
        app,
        '/v2/repository/models/plus/load',
      );
      expect(loaded.status).toBe(200);
      expect(loaded.body).toEqual({ name: 'plus', versions: [{ version: '2', state: 'READY' }] });
      expect(await answer(app, 1)).toBe(3);
      // Loading again reloads it (Triton's load), still without a failed request.
      expect((await post(app, '/v2/repository/models/plus/load', {})).status).toBe(200);
    } finally {
      running = false;
      await Promise.all(clients);
    }
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    const index = await post<IndexRow[]>(app, '/v2/repository/index');
    expect(index.body).toEqual([{ name: 'plus', version: '2', state: 'READY' }]);
  });

  it('unloads: requests get 503 MODEL_NOT_READY, the index says unloaded; load serves it again', async () => {
    const unloaded = await post<{ versions: IndexRow[] }>(app, '/v2/repository/models/plus/unload', {
      parameters: { unload_dependents: false },
    });
    expect(unloaded.status).toBe(200);
    const refused = await infer(app, 1);
    expect(refused.status).toBe(503);
    expect(refused.body.code).toBe('MODEL_NOT_READY');
    expect(refused.body.error).toMatch(/unloaded/);
    const index = await post<IndexRow[]>(app, '/v2/repository/index');
    expect(index.body).toEqual([
      { name: 'plus', version: '2', state: 'UNAVAILABLE', reason: expect.stringMatching(/^unloaded/) },
    ]);
    expect((await call(`${app.url}/v2/health/ready`)).status).toBe(503);
    expect((await post(app, '/v2/repository/models/plus/load')).status).toBe(200);
    expect(await answer(app, 1)).toBe(3);
  });

  it('a corrupt new version: 400 MODEL_LOAD_FAILED with the reason, the old one keeps serving', async () => {
    put(join(root, 'plus', '3', 'model.onnx'), Buffer.from('not a graph'));
    const failed = await post<ErrorBody>(app, '/v2/repository/models/plus/load');
    expect(failed.status).toBe(400);
    expect(failed.body.code).toBe('MODEL_LOAD_FAILED');
    expect(failed.body.error).toMatch(/version 3: .*not a loadable ONNX model/);
    expect(await answer(app, 1)).toBe(3);
    const index = await post<IndexRow[]>(app, '/v2/repository/index');
    expect(index.body).toEqual([
      { name: 'plus', version: '2', state: 'READY' },
      {
        name: 'plus',
        version: '3',
        state: 'UNAVAILABLE',
        reason: expect.stringMatching(/not a loadable ONNX/),
      },
    ]);
    rmSync(join(root, 'plus', '3'), { recursive: true });

    // The served version's own file replaced by a corrupt one: it keeps serving, and says why.
    put(join(root, 'plus', '2', 'model.onnx'), Buffer.from('not a graph either'));
    expect((await post(app, '/v2/repository/models/plus/load')).status).toBe(400);
    expect(await answer(app, 1)).toBe(3);
    const after = await post<IndexRow[]>(app, '/v2/repository/index');
    expect(after.body).toEqual([
      {
        name: 'plus',
        version: '2',
        state: 'READY',
        reason: expect.stringMatching(/^reload failed: .*the version loaded before keeps serving$/),
      },
    ]);
    put(join(root, 'plus', '2', 'model.onnx'), offsetModel(2));
    expect((await post(app, '/v2/repository/models/plus/load')).status).toBe(200);
    expect((await post<IndexRow[]>(app, '/v2/repository/index')).body).toEqual([
      { name: 'plus', version: '2', state: 'READY' },
    ]);
  });

  it('refuses overrides in the body, bad JSON and unknown models', async () => {
    const config = await post<ErrorBody>(app, '/v2/repository/models/plus/load', {
      parameters: { config: '{"max_batch_size": 8}' },
    });
    expect(config.status).toBe(400);
    expect(config.body).toMatchObject({ code: 'INVALID_INPUT', error: expect.stringMatching(/config/) });
    const bad = await call<ErrorBody>(`${app.url}/v2/repository/models/plus/load`, {
      method: 'POST',
      body: '{',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('INVALID_JSON');
    const unknown = await post<ErrorBody>(app, '/v2/repository/models/nothere/load');
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('MODEL_NOT_FOUND');
  });
});

describe('MODEL_CONTROL_MODE=none (the default)', () => {
  it('answers load and unload 400 MODEL_CONTROL_DISABLED naming the setting', async () => {
    const app = await startApp({ modelRepository: root });
    try {
      for (const op of ['load', 'unload']) {
        const r = await post<ErrorBody>(app, `/v2/repository/models/plus/${op}`);
        expect(r.status).toBe(400);
        expect(r.body.code).toBe('MODEL_CONTROL_DISABLED');
        expect(r.body.error).toMatch(/MODEL_CONTROL_MODE=none/);
      }
    } finally {
      await app.close();
    }
  });
});
