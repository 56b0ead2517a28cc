import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { identityModel, imageIdentityModel, multiIoModel, sklearnClassifier } from '@modelfn/model-builder';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type AppUnderTest } from './support/app-host.js';
import { call, postBytes, postJson, type ErrorBody, type Reply } from './support/http.js';

// Models a user brings, built in code, served over HTTP with no config.json except where a user would
// write one (image preprocessing): an skl2onnx classifier with string classes, a two-input model, a BYTES
// model, an RGB image model.
let app: AppUnderTest;
let root: string;

function model(name: string, onnx: Uint8Array, config?: object): void {
  mkdirSync(join(root, name, '1'), { recursive: true });
  writeFileSync(join(root, name, '1', 'model.onnx'), onnx);
  if (config) writeFileSync(join(root, name, 'config.json'), JSON.stringify(config));
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'modelfn-byom-'));
  model(
    'iris',
    sklearnClassifier({
      labels: ['setosa', 'versicolor', 'virginica'],
      features: 4,
      coefficients: [
        [-0.4, 0.9, -2.3, -1],
        [0.5, -0.3, -0.2, -0.8],
        [-0.1, -0.6, 2.5, 1.8],
      ],
      intercepts: [9, 2, -11],
    }),
  );
  model('pair', multiIoModel());
  model('words', identityModel('BYTES', [null, 2]));
  model('photo', imageIdentityModel([null, 3, 2, 2]), {
    preprocessing: { image: { width: 2, height: 2, color: 'rgb', layout: 'NCHW', scale: 1 } },
  });
  // An entry script: the raw request in, whatever `run` answers out (a status of its own when it says so).
  model('echo', identityModel('FP32', [null, 1]));
  writeFileSync(
    join(root, 'echo', 'score.js'),
    [
      'export async function run(request, context) {',
      "  if (request.body.length === 0) throw Object.assign(new Error('send something'), { code: 'INVALID_INPUT' });",
      "  const out = await context.infer('model.onnx', { x: { name: 'x', datatype: 'FP32', shape: [1, 1], data: Float32Array.of(request.body.length) } });",
      "  const answer = { bytes: out.y.data[0], type: request.contentType, agent: request.headers['user-agent'], query: request.properties.query };",
      "  return request.properties.query.created ? { [Symbol.for('modelfn.entry-response')]: true, body: answer, status: 201, headers: { location: '/x' } } : answer;",
      '}',
    ].join('\n'),
  );
  app = await startApp({ modelRepository: root, defaultModel: 'iris' });
});
afterAll(async () => {
  await app.close();
  rmSync(root, { recursive: true, force: true });
});

const url = (path: string) => `${app.url}${path}`;

interface V2Output {
  name: string;
  datatype: string;
  shape: number[];
  data?: unknown[];
  parameters?: { binary_data_size: number };
}

describe('a scikit-learn classifier (skl2onnx defaults: string labels, ZipMap)', () => {
  it('answers /score with its labels, probabilities and top k', async () => {
    const data = [
      [5.1, 3.5, 1.4, 0.2],
      [6.7, 3.0, 5.2, 2.3],
    ];
    const labels = await postJson<string[]>(url('/score'), { data }, { 'x-model': 'iris' });
    expect(labels.status).toBe(200);
    expect(labels.body).toEqual(['setosa', 'virginica']);
    const detailed = await postJson<{ label: string; probabilities: number[] }[]>(
      url('/score?probabilities=true'),
      { data },
    );
    expect(detailed.body.map((d) => d.label)).toEqual(['setosa', 'virginica']);
    for (const d of detailed.body) expect(d.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    const top = await postJson<{ label: string; probability: number }[][]>(url('/score?top=2'), { data });
    expect(top.body[0][0]).toEqual({ label: 'setosa', probability: detailed.body[0].probabilities[0] });
  });

  it('shows its auto-completed config and v2 metadata', async () => {
    const config = await call<{
      max_batch_size: number;
      labels: string[];
      output: { name: string; data_type: string }[];
    }>(url('/v2/models/iris/config'));
    expect(config.body.max_batch_size).toBe(256);
    expect(config.body.labels).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(config.body.output.map((o) => [o.name, o.data_type])).toEqual([
      ['output_label', 'TYPE_STRING'],
      ['output_probability', 'TYPE_FP32'],
    ]);
    const meta = await call<{ inputs: unknown[]; outputs: unknown[] }>(url('/v2/models/iris'));
    expect(meta.body.inputs).toEqual([{ name: 'float_input', datatype: 'FP32', shape: [-1, 4] }]);
    expect(meta.body.outputs).toEqual([
      { name: 'output_label', datatype: 'BYTES', shape: [-1] },
      { name: 'output_probability', datatype: 'FP32', shape: [-1, 3] },
    ]);
  });

  it('answers v2 with BYTES labels in JSON and in the binary extension', async () => {
    const body = {
      id: 'iris-1',
      inputs: [{ name: 'float_input', datatype: 'FP32', shape: [1, 4], data: [5.1, 3.5, 1.4, 0.2] }],
      outputs: [{ name: 'output_label' }, { name: 'output_probability', parameters: { classification: 1 } }],
    };
    const json = await postJson<{ id: string; outputs: V2Output[] }>(url('/v2/models/iris/infer'), body);
    expect(json.status).toBe(200);
    expect(json.body.id).toBe('iris-1');
    expect(json.body.outputs[0]).toEqual({
      name: 'output_label',
      datatype: 'BYTES',
      shape: [1],
      data: ['setosa'],
    });
    expect(json.body.outputs[1]).toMatchObject({ datatype: 'BYTES', shape: [1, 1] });
    expect(json.body.outputs[1].data![0]).toMatch(/^0\.\d+:0:setosa$/);
    const binary = await postJson<Buffer>(url('/v2/models/iris/infer'), {
      ...body,
      outputs: [{ name: 'output_label', parameters: { binary_data: true } }],
    });
    const length = Number(binary.headers.get('inference-header-content-length'));
    const header = JSON.parse(binary.body.subarray(0, length).toString()) as { outputs: V2Output[] };
    expect(header.outputs).toEqual([
      { name: 'output_label', datatype: 'BYTES', shape: [1], parameters: { binary_data_size: 10 } },
    ]);
    const bytes = binary.body.subarray(length);
    expect([bytes.readUInt32LE(0), bytes.subarray(4).toString()]).toEqual([6, 'setosa']);
  });
});

describe('a model with two inputs of different datatypes', () => {
  it('takes named inputs on /score and answers its outputs by name', async () => {
    const r = await postJson<unknown[]>(
      url('/score'),
      { data: { a: [[1, 2, 3]], b: [[5, 6]] } },
      { 'x-model': 'pair' },
    );
    expect(r.status).toBe(200);
    expect(r.body).toEqual([{ sum: [2, 4, 6], b_twice: [10, 12] }]);
  });

  it('takes v2 inputs as JSON and as binary, in the order the request lists them', async () => {
    const a = Buffer.from(new Float32Array([1, 2, 3]).buffer);
    const b = Buffer.from(new BigInt64Array([5n, 6n]).buffer);
    const header = Buffer.from(
      JSON.stringify({
        inputs: [
          { name: 'b', datatype: 'INT64', shape: [1, 2], parameters: { binary_data_size: 16 } },
          { name: 'a', datatype: 'FP32', shape: [1, 3], parameters: { binary_data_size: 12 } },
        ],
        outputs: [{ name: 'b_twice' }],
      }),
    );
    const r = await postBytes<{ outputs: V2Output[] }>(
      url('/v2/models/pair/infer'),
      Buffer.concat([header, b, a]),
      'application/octet-stream',
      { 'inference-header-content-length': String(header.length) },
    );
    expect(r.status).toBe(200);
    expect(r.body.outputs).toEqual([{ name: 'b_twice', datatype: 'INT64', shape: [1, 2], data: [10, 12] }]);
  });

  it('names the missing input', async () => {
    const r = await postJson<ErrorBody>(url('/score'), { data: { a: [[1, 2, 3]] } }, { 'x-model': 'pair' });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 'INVALID_INPUT', error: expect.stringContaining('"b"') });
  });
});

describe('a model with an entry script', () => {
  it('gets the raw request on /score and answers what run returns, with x-cache from its lookups', async () => {
    const send = (path = '/score') =>
      postBytes<Record<string, unknown>>(url(path), Buffer.from('hello'), 'text/plain', {
        'x-model': 'echo',
        'user-agent': 'probe/1',
      });
    const first = await send('/score?a=1');
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ bytes: 5, type: 'text/plain', agent: 'probe/1', query: { a: '1' } });
    expect([first.headers.get('x-cache'), first.headers.get('x-model')]).toEqual(['miss', 'echo:1']);
    expect((await send()).headers.get('x-cache')).toBe('hit');
    const created = await send('/score?created=1');
    expect([created.status, created.headers.get('location')]).toEqual([201, '/x']);
  });

  it('turns a coded error into its status, and refuses v2 for it', async () => {
    const empty = await postBytes<ErrorBody>(url('/score'), Buffer.alloc(0), 'text/plain', {
      'x-model': 'echo',
    });
    expect([empty.status, empty.body]).toEqual([400, { error: 'send something', code: 'INVALID_INPUT' }]);
    const v2 = await postJson<ErrorBody>(url('/v2/models/echo/infer'), { inputs: [] });
    expect(v2.status).toBe(400);
    expect(v2.body.error).toMatch(/entry script/);
  });
});

describe('strings and images', () => {
  it('serves a BYTES model over /score and caches it', async () => {
    const send = () =>
      postJson<unknown[]>(url('/score'), { data: [['ünï', 'code']] }, { 'x-model': 'words' });
    const first: Reply<unknown[]> = await send();
    expect(first.body).toEqual([{ y: ['ünï', 'code'] }]);
    expect((await send()).headers.get('x-cache')).toBe('hit');
  });

  it('decodes a JPEG for an RGB NCHW model', async () => {
    const jpeg = await sharp({
      create: { width: 2, height: 2, channels: 3, background: { r: 250, g: 0, b: 0 } },
    })
      .jpeg({ quality: 100 })
      .toBuffer();
    const r = await postBytes<{ pixels: number[][][] }[]>(url('/score'), jpeg, 'image/jpeg', {
      'x-model': 'photo',
    });
    expect(r.status).toBe(200);
    const [red, green, blue] = r.body[0].pixels;
    expect(red.flat().every((v) => Math.abs(v - 250) <= 3)).toBe(true);
    expect(green.flat().every((v) => v <= 3)).toBe(true);
    expect(blue.flat().every((v) => v <= 3)).toBe(true);
  });

  it('refuses an image for a model without image preprocessing', async () => {
    const png = await sharp({ create: { width: 2, height: 2, channels: 3, background: '#fff' } })
      .png()
      .toBuffer();
    const r = await postBytes<ErrorBody>(url('/score'), png, 'image/png', { 'x-model': 'pair' });
    expect(r.status).toBe(415);
    expect(r.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });
});
