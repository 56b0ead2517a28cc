import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type AppUnderTest } from './support/app-host.js';
import { call, postBytes, postJson, type ErrorBody } from './support/http.js';
import { float32Body, jpeg, label, png, row } from './support/mnist.js';

let app: AppUnderTest;
beforeAll(async () => {
  app = await startApp({ maxRequestBytes: 256 * 1024 }, 1024 * 1024);
});
afterAll(() => app.close());

const url = (path: string) => `${app.url}${path}`;

describe('POST /score', () => {
  it('labels JSON rows, one per row, and names the model version that answered', async () => {
    const r = await postJson(url('/score'), { data: [row(0), row(1), row(2)] });
    expect(r.status).toBe(200);
    expect(r.body).toEqual([label(0), label(1), label(2)]);
    expect(r.headers.get('x-model')).toBe('mnist:1');
    expect(r.headers.get('x-cache')).toMatch(/^(hit|miss|partial)$/);
    expect(r.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('adds class probabilities with ?probabilities=true', async () => {
    const r = await postJson<{ label: number; probabilities: number[] }[]>(url('/score?probabilities=true'), {
      data: [row(3)],
    });
    expect(r.status).toBe(200);
    expect(r.body).toHaveLength(1);
    expect(r.body[0].label).toBe(label(3));
    expect(r.body[0].probabilities).toHaveLength(10);
    expect(r.body[0].probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
    expect(Math.max(...r.body[0].probabilities)).toBe(r.body[0].probabilities[label(3)]);
  });

  it('labels PNG digits from the MNIST test set', async () => {
    const got: number[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await postBytes<number[]>(url('/score'), await png(i), 'image/png');
      expect(r.status).toBe(200);
      got.push(r.body[0]);
    }
    const right = got.filter((g, i) => g === label(i)).length;
    expect(right).toBeGreaterThanOrEqual(19);
    // The PNG path and the JSON path see the same pixels, so they agree digit for digit.
    const json = await postJson<number[]>(url('/score'), {
      data: Array.from({ length: 20 }, (_, i) => row(i)),
    });
    expect(json.body).toEqual(got);
  });

  it('labels a JPEG digit', async () => {
    const r = await postBytes(url('/score'), await jpeg(0), 'image/jpeg');
    expect(r.status).toBe(200);
    expect(r.body).toEqual([label(0)]);
  });

  it('labels little-endian float32 rows sent as application/octet-stream', async () => {
    const r = await postBytes(url('/score'), float32Body([4, 5]), 'application/octet-stream');
    expect(r.status).toBe(200);
    expect(r.body).toEqual([label(4), label(5)]);
  });

  it('scores with the model and version named in x-model', async () => {
    const r = await postJson(url('/score'), { data: [row(6)] }, { 'x-model': 'mnist:1' });
    expect(r.status).toBe(200);
    expect(r.body).toEqual([label(6)]);
  });

  it('answers a repeated request from the cache: x-cache miss, then hit', async () => {
    const body = { data: [row(0).map((v) => v * 0.5)] };
    const first = await postJson(url('/score'), body);
    const second = await postJson(url('/score'), body);
    expect(first.headers.get('x-cache')).toBe('miss');
    expect(second.headers.get('x-cache')).toBe('hit');
    expect(second.body).toEqual(first.body);
  });

  it('skips the cache for Cache-Control: no-cache (x-cache bypass)', async () => {
    const r = await postJson(url('/score'), { data: [row(0)] }, { 'cache-control': 'no-cache' });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-cache')).toBe('bypass');
  });

  it('echoes a sane x-request-id and replaces one that is not', async () => {
    const ok = await postJson(url('/score'), { data: [row(0)] }, { 'x-request-id': 'trace-42.a:b' });
    expect(ok.headers.get('x-request-id')).toBe('trace-42.a:b');
    const bad = await postJson(url('/score'), { data: [row(0)] }, { 'x-request-id': 'x'.repeat(200) });
    expect(bad.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('POST /score errors', () => {
  const expectError = (
    r: { status: number; body: unknown; headers: Headers },
    status: number,
    code: string,
  ) => {
    expect(r.status).toBe(status);
    expect(r.headers.get('content-type')).toContain('application/json');
    expect(r.headers.get('x-request-id')).toBeTruthy();
    const body = r.body as ErrorBody;
    expect(body.code).toBe(code);
    expect(body.error).toEqual(expect.any(String));
    expect(body.error.length).toBeGreaterThan(10);
  };

  it('400 for rows of the wrong shape', async () => {
    expectError(await postJson(url('/score'), { data: [[1, 2, 3]] }), 400, 'INVALID_SHAPE');
  });

  it('400 for a value that overflows float32 (1e39 becomes Infinity)', async () => {
    const values = row(0);
    values[100] = 1e39;
    expectError(await postJson(url('/score'), { data: [values] }), 400, 'NON_FINITE_VALUE');
  });

  it('400 for a non-number value', async () => {
    const values: unknown[] = row(0);
    values[5] = 'x';
    expectError(await postJson(url('/score'), { data: [values] }), 400, 'INVALID_DATATYPE');
  });

  it('400 for a body that is not JSON', async () => {
    expectError(
      await postBytes(url('/score'), Buffer.from('{"data": [[1,'), 'application/json'),
      400,
      'INVALID_JSON',
    );
  });

  it('400 for a truncated PNG', async () => {
    const full = await png(0);
    expectError(
      await postBytes(url('/score'), full.subarray(0, Math.floor(full.length / 2)), 'image/png'),
      400,
      'UNDECODABLE_IMAGE',
    );
  });

  it('400 for float32 bytes that are not whole rows', async () => {
    expectError(
      await postBytes(url('/score'), Buffer.alloc(784 * 4 + 4), 'application/octet-stream'),
      400,
      'INVALID_SHAPE',
    );
  });

  it('400 for a malformed x-model header or probabilities flag', async () => {
    expectError(
      await postJson(url('/score'), { data: [row(0)] }, { 'x-model': 'a:b:c' }),
      400,
      'INVALID_INPUT',
    );
    expectError(await postJson(url('/score?probabilities=maybe'), { data: [row(0)] }), 400, 'INVALID_INPUT');
  });

  it('400 for an x-model version that is not a version number, or is empty', async () => {
    for (const header of ['mnist:abc', 'mnist:']) {
      expectError(
        await postJson(url('/score'), { data: [row(0)] }, { 'x-model': header }),
        400,
        'INVALID_INPUT',
      );
    }
  });

  it('404 for an unknown model and for an unknown version', async () => {
    expectError(
      await postJson(url('/score'), { data: [row(0)] }, { 'x-model': 'nope' }),
      404,
      'MODEL_NOT_FOUND',
    );
    expectError(
      await postJson(url('/score'), { data: [row(0)] }, { 'x-model': 'mnist:9' }),
      404,
      'VERSION_NOT_FOUND',
    );
  });

  it('413 for a body over MAX_REQUEST_BYTES, announced by Content-Length', async () => {
    const r = await postBytes(url('/score'), Buffer.alloc(300 * 1024), 'application/octet-stream');
    expectError(r, 413, 'PAYLOAD_TOO_LARGE');
    expect((r.body as ErrorBody).error).toContain('MAX_REQUEST_BYTES');
  });

  it('413 for a chunked body that grows over MAX_REQUEST_BYTES', async () => {
    const chunk = new Uint8Array(64 * 1024);
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 6; i++) c.enqueue(chunk);
        c.close();
      },
    });
    const r = await call(url('/score'), {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expectError(r, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('415 for a content type the scorer does not read', async () => {
    expectError(
      await postBytes(url('/score'), Buffer.from('a,b\n1,2\n'), 'text/csv'),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
  });

  it('405 for GET /score, and 404 JSON for a route no function answers', async () => {
    const get = await call(url('/score'));
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const none = await call<ErrorBody>(url('/nothing/here'));
    expect(none.status).toBe(404);
    expect(none.body.code).toBe('ROUTE_NOT_FOUND');
  });
});
