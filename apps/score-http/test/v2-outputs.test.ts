import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type AppUnderTest } from './support/app-host.js';
import { call, postJson, v2Request, type ErrorBody, type Reply } from './support/http.js';
import { label, row } from './support/mnist.js';
import { SAMPLE_DIGIT, sampleV2 } from './support/samples.js';

let app: AppUnderTest;
beforeAll(async () => {
  app = await startApp();
});
afterAll(() => app.close());

const url = (path: string) => `${app.url}${path}`;
const INFER = '/v2/models/mnist/infer';

interface V2Output {
  name: string;
  datatype: string;
  shape: number[];
  data?: (number | string)[];
  parameters?: { binary_data_size?: number };
}

interface V2Response {
  model_name: string;
  model_version: string;
  id?: string;
  outputs: V2Output[];
}

/** A binary-extension response: the JSON header and the bytes after it. */
function splitBinary(r: Reply<Buffer>): { header: V2Response; binary: Buffer } {
  expect(r.headers.get('content-type')).toBe('application/octet-stream');
  const length = Number(r.headers.get('inference-header-content-length'));
  expect(length).toBeGreaterThan(0);
  return {
    header: JSON.parse(r.body.subarray(0, length).toString('utf8')) as V2Response,
    binary: r.body.subarray(length),
  };
}

/** BYTES elements in the binary tensor extension: a 4-byte little-endian length, then the bytes. */
function readBytesElements(b: Buffer): string[] {
  const out: string[] = [];
  for (let off = 0; off < b.length;) {
    const n = b.readUInt32LE(off);
    out.push(b.subarray(off + 4, off + 4 + n).toString('utf8'));
    off += 4 + n;
  }
  return out;
}

const mnistConfig = {
  name: 'mnist',
  platform: 'onnxruntime_onnx',
  max_batch_size: 256,
  input: [{ name: 'input', data_type: 'TYPE_FP32', dims: [784] }],
  output: [{ name: 'probabilities', data_type: 'TYPE_FP32', dims: [10] }],
  labels: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
};

describe('GET /v2/models/{model}[/versions/{version}]/config', () => {
  it('answers the effective config of mnist', async () => {
    const r = await call<typeof mnistConfig>(url('/v2/models/mnist/config'));
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('application/json');
    expect(r.headers.get('x-request-id')).toBeTruthy();
    expect(r.body).toMatchObject(mnistConfig);
  });

  it('answers the same config for version 1', async () => {
    const all = await call(url('/v2/models/mnist/config'));
    const v1 = await call(url('/v2/models/mnist/versions/1/config'));
    expect(v1.status).toBe(200);
    expect(v1.body).toMatchObject(mnistConfig);
    expect(v1.body).toEqual(all.body);
  });

  it('404 for an unknown model or version', async () => {
    const model = await call<ErrorBody>(url('/v2/models/nope/config'));
    expect(model.status).toBe(404);
    expect(model.body.code).toBe('MODEL_NOT_FOUND');
    const version = await call<ErrorBody>(url('/v2/models/mnist/versions/9/config'));
    expect(version.status).toBe(404);
    expect(version.body.code).toBe('VERSION_NOT_FOUND');
  });
});

describe('v2 infer outputs', () => {
  it('lists every output when the request names none: probabilities, FP32 [1, 10]', async () => {
    const r = await postJson<V2Response>(url(INFER), await sampleV2());
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ model_name: 'mnist', model_version: '1' });
    expect(r.body).not.toHaveProperty('id');
    expect(r.body.outputs).toHaveLength(1);
    expect(r.body.outputs[0]).toMatchObject({ name: 'probabilities', datatype: 'FP32', shape: [1, 10] });
  });

  it('classification: 2 answers BYTES [1, 2] "score:index:label", the sample digit first', async () => {
    const sample = await sampleV2();
    const plain = await postJson<V2Response>(url(INFER), sample);
    const probabilities = plain.body.outputs[0].data as number[];

    const r = await postJson<V2Response>(url(INFER), {
      ...sample,
      outputs: [{ name: 'probabilities', parameters: { classification: 2 } }],
    });
    expect(r.status).toBe(200);
    expect(r.body.outputs).toHaveLength(1);
    const out = r.body.outputs[0];
    expect(out).toMatchObject({ name: 'probabilities', datatype: 'BYTES', shape: [1, 2] });
    expect(out.data).toHaveLength(2);
    const classes = (out.data as string[]).map((s) => {
      const parts = s.split(':');
      expect(parts).toHaveLength(3);
      return { score: Number(parts[0]), index: Number(parts[1]), label: parts[2] };
    });
    expect(classes[0].index).toBe(SAMPLE_DIGIT);
    expect(classes[0].label).toBe(String(SAMPLE_DIGIT));
    expect(classes[0].score).toBeGreaterThanOrEqual(classes[1].score);
    expect(classes[1].index).not.toBe(SAMPLE_DIGIT);
    // The scores are the FP32 probabilities the plain request answers for those classes.
    for (const c of classes) expect(c.score).toBe(probabilities[c.index]);
  });

  it('classification per row for several rows: BYTES [rows, k]', async () => {
    const r = await postJson<V2Response>(
      url(INFER),
      v2Request([row(1), row(2)], {
        outputs: [{ name: 'probabilities', parameters: { classification: 3 } }],
      }),
    );
    expect(r.status).toBe(200);
    expect(r.body.outputs[0]).toMatchObject({ datatype: 'BYTES', shape: [2, 3] });
    const data = r.body.outputs[0].data as string[];
    expect(data).toHaveLength(6);
    expect(data[0].split(':')[1]).toBe(String(label(1)));
    expect(data[3].split(':')[1]).toBe(String(label(2)));
  });

  it('binary_data on one output of a JSON request: that output comes as binary after the JSON', async () => {
    const sample = await sampleV2();
    const plain = await postJson<V2Response>(url(INFER), sample);
    const r = await postJson<Buffer>(url(INFER), {
      ...sample,
      outputs: [{ name: 'probabilities', parameters: { binary_data: true } }],
    });
    expect(r.status).toBe(200);
    const { header, binary } = splitBinary(r);
    expect(header.outputs).toHaveLength(1);
    expect(header.outputs[0]).toMatchObject({
      name: 'probabilities',
      datatype: 'FP32',
      shape: [1, 10],
      parameters: { binary_data_size: 40 },
    });
    expect(header.outputs[0]).not.toHaveProperty('data');
    expect(binary.length).toBe(40);
    const floats = Array.from({ length: 10 }, (_, i) => binary.readFloatLE(i * 4));
    // The JSON numbers are the shortest decimals of the same float32 values.
    expect(floats.map((f) => Math.fround(f))).toEqual(
      (plain.body.outputs[0].data as number[]).map((p) => Math.fround(p)),
    );
    expect(floats.indexOf(Math.max(...floats))).toBe(SAMPLE_DIGIT);
  });

  it('binary_data: false on an output overrides the request default binary_data_output', async () => {
    const r = await postJson<V2Response>(url(INFER), {
      ...(await sampleV2()),
      parameters: { binary_data_output: true },
      outputs: [{ name: 'probabilities', parameters: { binary_data: false } }],
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('application/json');
    expect(r.headers.get('inference-header-content-length')).toBeNull();
    expect(r.body.outputs[0]).toMatchObject({ name: 'probabilities', datatype: 'FP32', shape: [1, 10] });
    expect(r.body.outputs[0].data).toHaveLength(10);
  });

  it('classification and binary_data together: BYTES elements, length-prefixed', async () => {
    const sample = await sampleV2();
    const json = await postJson<V2Response>(url(INFER), {
      ...sample,
      outputs: [{ name: 'probabilities', parameters: { classification: 2 } }],
    });
    const r = await postJson<Buffer>(url(INFER), {
      ...sample,
      outputs: [{ name: 'probabilities', parameters: { classification: 2, binary_data: true } }],
    });
    expect(r.status).toBe(200);
    const { header, binary } = splitBinary(r);
    expect(header.outputs[0]).toMatchObject({
      name: 'probabilities',
      datatype: 'BYTES',
      shape: [1, 2],
      parameters: { binary_data_size: binary.length },
    });
    expect(readBytesElements(binary)).toEqual(json.body.outputs[0].data);
  });

  it('echoes the request id, in a JSON and in a binary response', async () => {
    const sample = await sampleV2();
    const r = await postJson<V2Response>(url(INFER), { ...sample, id: 'my-request-42' });
    expect(r.status).toBe(200);
    expect(r.body.id).toBe('my-request-42');
    const bin = await postJson<Buffer>(url(INFER), {
      ...sample,
      id: 'my-request-43',
      parameters: { binary_data_output: true },
    });
    expect(bin.status).toBe(200);
    expect(splitBinary(bin).header.id).toBe('my-request-43');
  });
});

describe('v2 infer output errors', () => {
  const expectInvalid = (r: Reply, mention: string) => {
    expect(r.status).toBe(400);
    expect((r.body as ErrorBody).code).toBe('INVALID_INPUT');
    expect((r.body as ErrorBody).error).toContain(mention);
  };

  it('400 INVALID_INPUT for an output the model does not have', async () => {
    const r = await postJson(url(INFER), { ...(await sampleV2()), outputs: [{ name: 'logits' }] });
    expectInvalid(r, 'logits');
    expect((r.body as ErrorBody).error).toContain('probabilities');
  });

  it('400 INVALID_INPUT for a classification that is not a positive integer, or a non-boolean binary_data', async () => {
    const sample = await sampleV2();
    for (const classification of [0, -1, 1.5, 'two']) {
      expectInvalid(
        await postJson(url(INFER), {
          ...sample,
          outputs: [{ name: 'probabilities', parameters: { classification } }],
        }),
        'classification',
      );
    }
    expectInvalid(
      await postJson(url(INFER), {
        ...sample,
        outputs: [{ name: 'probabilities', parameters: { binary_data: 'yes' } }],
      }),
      'binary_data',
    );
  });

  it('400 INVALID_INPUT for an id that is not a string', async () => {
    expectInvalid(await postJson(url(INFER), { ...(await sampleV2()), id: 42 }), 'id');
  });
});
