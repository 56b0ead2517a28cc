import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type AppUnderTest } from './support/app-host.js';
import { call, postBytes, postJson, v2Request, type ErrorBody } from './support/http.js';
import { label, row } from './support/mnist.js';

let app: AppUnderTest;
beforeAll(async () => {
  app = await startApp({ maxRequestBytes: 256 * 1024 }, 1024 * 1024);
});
afterAll(() => app.close());

const url = (path: string) => `${app.url}${path}`;

interface V2Response {
  model_name: string;
  model_version: string;
  id?: string;
  outputs: {
    name: string;
    datatype: string;
    shape: number[];
    data?: number[];
    parameters?: { binary_data_size: number };
  }[];
}

const argmax = (xs: ArrayLike<number>) =>
  Array.from(xs).reduce((best, x, i, a) => (x > a[best] ? i : best), 0);

describe('Open Inference Protocol v2', () => {
  it('GET /v2 lists the server extensions', async () => {
    const r = await call<{ name: string; extensions: string[] }>(url('/v2'));
    expect(r.status).toBe(200);
    expect(r.body.name).toBe('modelfn');
    expect(r.body.extensions).toEqual(expect.arrayContaining(['binary_tensor_data', 'model_repository']));
  });

  it('health: live and ready', async () => {
    expect((await call(url('/v2/health/live'))).status).toBe(200);
    const ready = await call<{ ready: boolean }>(url('/v2/health/ready'));
    expect(ready.status).toBe(200);
    expect(ready.body.ready).toBe(true);
  });

  it('model metadata, with and without a version, and readiness of both', async () => {
    const m = await call<{ name: string; versions: string[]; inputs: { name: string; shape: number[] }[] }>(
      url('/v2/models/mnist'),
    );
    expect(m.status).toBe(200);
    expect(m.body.name).toBe('mnist');
    expect(m.body.versions).toEqual(['1']);
    expect(m.body.inputs[0]).toMatchObject({ name: 'input', datatype: 'FP32', shape: [-1, 784] });
    const v = await call(url('/v2/models/mnist/versions/1'));
    expect(v.status).toBe(200);
    expect(v.body).toEqual(m.body);
    expect((await call(url('/v2/models/mnist/ready'))).status).toBe(200);
    expect((await call(url('/v2/models/mnist/versions/1/ready'))).status).toBe(200);
  });

  it('infers from JSON tensors: probabilities of shape [1, 10]', async () => {
    const r = await postJson<V2Response>(url('/v2/models/mnist/infer'), v2Request([row(0)]));
    expect(r.status).toBe(200);
    expect(r.headers.get('x-cache')).toMatch(/^(hit|miss)$/);
    expect(r.headers.get('x-request-id')).toBeTruthy();
    expect(r.body).toMatchObject({ model_name: 'mnist', model_version: '1', id: 'req-1' });
    const out = r.body.outputs[0];
    expect(out).toMatchObject({ name: 'probabilities', datatype: 'FP32', shape: [1, 10] });
    expect(out.data).toHaveLength(10);
    expect(argmax(out.data!)).toBe(label(0));
  });

  it('infers on an explicit version', async () => {
    const r = await postJson<V2Response>(
      url('/v2/models/mnist/versions/1/infer'),
      v2Request([row(1), row(2)]),
    );
    expect(r.status).toBe(200);
    expect(r.body.outputs[0].shape).toEqual([2, 10]);
    expect(argmax(r.body.outputs[0].data!.slice(10))).toBe(label(2));
  });

  it('binary tensor extension: binary input, binary output with Inference-Header-Content-Length', async () => {
    const values = row(7);
    const binary = Buffer.alloc(784 * 4);
    values.forEach((v, i) => binary.writeFloatLE(v, i * 4));
    const header = Buffer.from(
      JSON.stringify({
        inputs: [
          {
            name: 'input',
            shape: [1, 784],
            datatype: 'FP32',
            parameters: { binary_data_size: binary.length },
          },
        ],
        outputs: [{ name: 'probabilities', parameters: { binary_data: true } }],
      }),
    );
    const r = await postBytes<Buffer>(
      url('/v2/models/mnist/infer'),
      Buffer.concat([header, binary]),
      'application/octet-stream',
      {
        'inference-header-content-length': String(header.length),
      },
    );
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/octet-stream');
    const jsonLength = Number(r.headers.get('inference-header-content-length'));
    expect(jsonLength).toBeGreaterThan(0);
    const meta = JSON.parse(r.body.subarray(0, jsonLength).toString()) as V2Response;
    expect(meta.outputs[0]).toMatchObject({
      name: 'probabilities',
      shape: [1, 10],
      parameters: { binary_data_size: 40 },
    });
    const tensor = r.body.subarray(jsonLength);
    expect(tensor.length).toBe(40);
    const probs = Array.from({ length: 10 }, (_, i) => tensor.readFloatLE(i * 4));
    expect(argmax(probs)).toBe(label(7));
  });

  it('binary output requested for a JSON request, via binary_data_output', async () => {
    const r = await postJson<Buffer>(
      url('/v2/models/mnist/infer'),
      v2Request([row(8)], { parameters: { binary_data_output: true } }),
    );
    expect(r.status).toBe(200);
    expect(r.headers.get('inference-header-content-length')).toMatch(/^\d+$/);
  });

  it('POST /v2/repository/index lists every version with its state', async () => {
    const r = await call(url('/v2/repository/index'), { method: 'POST' });
    expect(r.status).toBe(200);
    // The committed repository: mnist, and ocr (served by its entry script).
    expect(r.body).toEqual([
      { name: 'mnist', version: '1', state: 'READY' },
      { name: 'ocr', version: '1', state: 'READY' },
    ]);
  });
});

describe('v2 errors', () => {
  const expectError = (r: { status: number; body: unknown }, status: number, code: string) => {
    expect(r.status).toBe(status);
    expect((r.body as ErrorBody).code).toBe(code);
    expect((r.body as ErrorBody).error).toEqual(expect.any(String));
  };

  it('404 for an unknown model (metadata, ready, infer)', async () => {
    expectError(await call(url('/v2/models/nope')), 404, 'MODEL_NOT_FOUND');
    expectError(await call(url('/v2/models/nope/ready')), 404, 'MODEL_NOT_FOUND');
    expectError(await postJson(url('/v2/models/nope/infer'), v2Request([row(0)])), 404, 'MODEL_NOT_FOUND');
  });

  it('404 for an unknown version (metadata, ready, infer)', async () => {
    expectError(await call(url('/v2/models/mnist/versions/9')), 404, 'VERSION_NOT_FOUND');
    expectError(await call(url('/v2/models/mnist/versions/9/ready')), 404, 'VERSION_NOT_FOUND');
    expectError(
      await postJson(url('/v2/models/mnist/versions/9/infer'), v2Request([row(0)])),
      404,
      'VERSION_NOT_FOUND',
    );
  });

  it('400 for a wrong shape', async () => {
    const r = await postJson(url('/v2/models/mnist/infer'), {
      inputs: [{ name: 'input', shape: [1, 5], datatype: 'FP32', data: [1, 2, 3, 4, 5] }],
    });
    expectError(r, 400, 'INVALID_SHAPE');
  });

  it('400 for an unknown datatype', async () => {
    const r = await postJson(url('/v2/models/mnist/infer'), {
      inputs: [{ name: 'input', shape: [1, 784], datatype: 'FP33', data: row(0) }],
    });
    expectError(r, 400, 'INVALID_DATATYPE');
  });

  it('400 for a value that overflows float32', async () => {
    const values = row(0);
    values[0] = -1e39;
    expectError(await postJson(url('/v2/models/mnist/infer'), v2Request([values])), 400, 'NON_FINITE_VALUE');
  });

  it('400 for a bad Inference-Header-Content-Length', async () => {
    const body = Buffer.from(JSON.stringify(v2Request([row(0)])));
    const notNumber = await postBytes(url('/v2/models/mnist/infer'), body, 'application/octet-stream', {
      'inference-header-content-length': 'abc',
    });
    expectError(notNumber, 400, 'INVALID_INPUT');
    const tooLong = await postBytes(url('/v2/models/mnist/infer'), body, 'application/octet-stream', {
      'inference-header-content-length': String(body.length + 1),
    });
    expectError(tooLong, 400, 'INVALID_INPUT');
  });

  it('413 for an oversized infer body', async () => {
    expectError(
      await postBytes(url('/v2/models/mnist/infer'), Buffer.alloc(300 * 1024, 0x20), 'application/json'),
      413,
      'PAYLOAD_TOO_LARGE',
    );
  });

  it('405 for GET on infer', async () => {
    expect((await call(url('/v2/models/mnist/infer'))).status).toBe(405);
  });
});
