import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { segmentationModel } from '@modelfn/model-builder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsDir, startApp, type AppUnderTest } from './support/app-host.js';
import { call, postJson, type ErrorBody } from './support/http.js';
import { row } from './support/mnist.js';

// `/score` with a selection of outputs (`?outputs=`), raw bytes of one output (`Accept:
// application/octet-stream`) and answers bounded by MAX_RESPONSE_BYTES, on a segmentation-shaped model
// built in code: mask [1,1,8,8] (256 bytes), coarse [1,1,4,4] (64 bytes), features [1,64,4,4] (4,096 bytes).
const SIDE = 8;
let app: AppUnderTest;
let root: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'modelfn-outputs-'));
  mkdirSync(join(root, 'seg', '1'), { recursive: true });
  writeFileSync(join(root, 'seg', '1', 'model.onnx'), segmentationModel({ side: SIDE }));
  cpSync(join(modelsDir, 'mnist'), join(root, 'mnist'), { recursive: true });
  app = await startApp({ modelRepository: root, maxResponseBytes: 2048 });
});
afterAll(async () => {
  await app.close();
  rmSync(root, { recursive: true, force: true });
});

/** Channel c of pixel i is c + i / 100. */
const image = [0, 1, 2].map((c) =>
  Array.from({ length: SIDE }, (_, y) => Array.from({ length: SIDE }, (_, x) => c + (y * SIDE + x) / 100)),
);
const score = (query: string, headers: Record<string, string> = {}) =>
  postJson(`${app.url}/score${query}`, { data: [image] }, { 'x-model': 'seg', ...headers });

describe('POST /score?outputs=', () => {
  it('answers the selected outputs only, by name', async () => {
    const r = await score('?outputs=coarse,mask');
    expect(r.status).toBe(200);
    const [item] = r.body as Record<string, unknown>[];
    expect(Object.keys(item)).toEqual(['mask', 'coarse']);
    expect((item.coarse as number[][][]).flat(2)).toHaveLength(16);
  });

  it('refuses an unknown output with 400 INVALID_INPUT naming the model outputs', async () => {
    const r = await score('?outputs=alpha');
    expect(r.status).toBe(400);
    const e = r.body as ErrorBody;
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.error).toContain('"mask", "coarse", "features"');
  });

  it('refuses every output with 413 RESPONSE_TOO_LARGE naming the outputs, their sizes and ?outputs=', async () => {
    const r = await score('');
    expect(r.status).toBe(413);
    const e = r.body as ErrorBody;
    expect(e.code).toBe('RESPONSE_TOO_LARGE');
    expect(e.error).toContain('"features" FP32[1,64,4,4] 4096 bytes');
    expect(e.error).toContain('?outputs=');
  });

  it("answers a classifier's selected output by name instead of its label", async () => {
    const r = await postJson(
      `${app.url}/score?outputs=probabilities`,
      { data: [row(7)] },
      { 'x-model': 'mnist' },
    );
    expect(r.status).toBe(200);
    const [item] = r.body as { probabilities: number[] }[];
    expect(item.probabilities).toHaveLength(10);
  });
});

describe('POST /score with Accept: application/octet-stream', () => {
  const binary = { accept: 'application/octet-stream' };

  it("answers one output's raw little-endian bytes, its name, shape and datatype in headers", async () => {
    const json = await score('?outputs=coarse');
    const expected = (json.body as { coarse: number[][][] }[])[0].coarse.flat(2);
    const r = await score('?outputs=coarse', binary);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/octet-stream');
    expect(r.headers.get('x-output-name')).toBe('coarse');
    expect(r.headers.get('x-output-shape')).toBe('1,1,4,4');
    expect(r.headers.get('x-output-datatype')).toBe('FP32');
    expect(r.headers.get('x-model')).toBe('seg:1');
    const bytes = r.body as Buffer;
    expect(bytes.length).toBe(64);
    const values = Array.from({ length: 16 }, (_, i) => bytes.readFloatLE(i * 4));
    values.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
  });

  it('refuses several outputs with 406 NOT_ACCEPTABLE before the model runs', async () => {
    for (const query of ['', '?outputs=mask,coarse']) {
      const r = await call(`${app.url}/score${query}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-model': 'seg', ...binary },
        body: JSON.stringify({ data: [image] }),
      });
      expect(r.status).toBe(406);
      const e = r.body as ErrorBody;
      expect(e.code).toBe('NOT_ACCEPTABLE');
      expect(e.error).toContain('?outputs=<name>');
    }
  });

  it('keeps JSON for an Accept that also takes JSON', async () => {
    const r = await score('?outputs=coarse', { accept: 'application/json, application/octet-stream' });
    expect(r.headers.get('content-type')).toContain('application/json');
  });
});
