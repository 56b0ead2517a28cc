import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import azf, {
  type HttpFunctionOptions,
  type HttpRequest,
  type HttpResponseInit,
  type InvocationContext,
} from '@azure/functions';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpFunctionDefinition } from '@modelfn/functions';
import { routePrefixFromHostJson, startHttpHost, type RunningHttpHost } from '../src/index.js';

const silent = pino({ level: 'silent' });

function fn(
  name: string,
  options: Omit<HttpFunctionOptions, 'handler'>,
  handler: HttpFunctionOptions['handler'],
): HttpFunctionDefinition {
  return { name, options: { ...options, handler } };
}

const seen: { request?: HttpRequest; context?: InvocationContext; body?: Buffer } = {};
let release: (() => void) | undefined;

const functions: HttpFunctionDefinition[] = [
  fn('echo', { methods: ['POST', 'PUT'], route: 'echo/{id:int}/{rest?}' }, async (request, context) => {
    seen.request = request;
    seen.context = context;
    seen.body = Buffer.from(await request.arrayBuffer());
    context.log('echo called');
    return {
      status: 201,
      jsonBody: {
        params: request.params,
        query: request.query.getAll('q'),
        bytes: seen.body.length,
        fn: context.functionName,
      },
      headers: [
        ['x-multi', 'one'],
        ['x-multi', 'two'],
      ],
      cookies: [{ name: 'session', value: 'abc', path: '/', httpOnly: true, sameSite: 'Lax' }],
    };
  }),
  fn('text', { methods: ['GET', 'HEAD'], route: 'text' }, async () => ({ body: 'héllo' })),
  fn('bytes', { methods: ['GET'], route: 'bytes' }, async () => ({
    body: new Uint8Array([1, 2, 3]),
    headers: { 'content-type': 'application/x-thing' },
  })),
  fn('buffer', { methods: ['GET'], route: 'buffer' }, async () => ({
    body: Buffer.from('buf'),
    headers: { 'content-type': 'text/plain' },
  })),
  fn('response', { methods: ['GET'], route: 'response' }, async () => {
    const headers = new Headers({ 'x-a': '1' });
    headers.append('set-cookie', 'a=1');
    headers.append('set-cookie', 'b=2');
    return new azf.HttpResponse({ status: 202, jsonBody: { ok: true }, headers });
  }),
  fn('stream', { methods: ['GET'], route: 'stream' }, async () => ({
    body: new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode('chunk1,'));
        c.enqueue(new TextEncoder().encode('chunk2'));
        c.close();
      },
    }),
  })),
  // Handlers written in JavaScript can return nothing; the types do not allow it, the host must cope anyway.
  fn(
    'nothing',
    { methods: ['DELETE'], route: 'nothing' },
    async () => undefined as unknown as HttpResponseInit,
  ),
  fn('throws', { methods: ['GET'], route: 'throws' }, async () => {
    throw new Error('handler bug');
  }),
  fn('slow', { methods: ['GET'], route: 'slow' }, async () => {
    await new Promise<void>((resolve) => (release = resolve));
    return { body: 'finally' };
  }),
  fn('defaults', {}, async (request) => ({ body: request.method })),
  fn('read', { methods: ['POST', 'GET'], route: 'read/{how}' }, async (request) => {
    switch (request.params.how) {
      case 'text':
        return { jsonBody: { text: await request.text(), used: request.bodyUsed } };
      case 'json':
        return { jsonBody: { json: await request.json() } };
      case 'stream': {
        const parts: number[] = [];
        for await (const chunk of request.body as AsyncIterable<Uint8Array>) parts.push(...chunk);
        return { jsonBody: { bytes: parts, used: request.bodyUsed } };
      }
      case 'twice': {
        await request.text();
        const second = await request.text().then(
          () => 'read again',
          (e: Error) => e.name,
        );
        return { jsonBody: { second } };
      }
      case 'clone': {
        const copy = request.clone();
        return {
          jsonBody: { a: await request.text(), b: await copy.text(), copyType: copy.constructor.name },
        };
      }
      case 'blob':
        return { jsonBody: { size: (await request.blob()).size } };
      case 'form':
        return { jsonBody: { a: (await request.formData()).get('a') } };
      default:
        return {
          jsonBody: {
            body: request.body,
            user: request.user,
            contentType: request.headers.get('content-type'),
          },
        };
    }
  }),
];

let host: RunningHttpHost;
beforeAll(async () => {
  host = await startHttpHost({
    functions,
    port: 0,
    routePrefix: 'api',
    maxRequestBytes: 1024,
    logger: silent,
  });
});
afterAll(() => host.close());

const url = (p: string) => `${host.url}${p}`;

describe('local HTTP host', () => {
  it('builds a real HttpRequest and InvocationContext from the client request', async () => {
    const res = await fetch(url('/api/echo/42/more?q=1&q=2'), {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', 'x-custom': 'v' },
      body: new Uint8Array([0, 1, 2, 255]),
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({
      params: { id: '42', rest: 'more' },
      query: ['1', '2'],
      bytes: 4,
      fn: 'echo',
    });
    expect(seen.request).toBeInstanceOf(azf.HttpRequest);
    expect(seen.context).toBeInstanceOf(azf.InvocationContext);
    expect(seen.request!.url).toBe(url('/api/echo/42/more?q=1&q=2'));
    expect(seen.request!.headers.get('x-custom')).toBe('v');
    expect([...seen.body!]).toEqual([0, 1, 2, 255]);
    expect(seen.context!.invocationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen.context!.options.trigger).toMatchObject({
      type: 'httpTrigger',
      methods: ['POST', 'PUT'],
      route: 'echo/{id:int}/{rest?}',
    });
  });

  it.each([false, true])('gives handlers fetch body semantics (fetchRequests: %s)', async (fetchRequests) => {
    const h = await startHttpHost({ functions, port: 0, routePrefix: 'api', logger: silent, fetchRequests });
    const at = (p: string) => `${h.url}${p}`;
    const post = (how: string, body: string, type = 'text/plain') =>
      fetch(at(`/api/read/${how}`), { method: 'POST', body, headers: { 'content-type': type } }).then((r) =>
        r.json(),
      );
    expect(await post('text', 'héllo')).toEqual({ text: 'héllo', used: true });
    expect(await post('json', '{"a":[1,2]}', 'application/json')).toEqual({ json: { a: [1, 2] } });
    expect(await post('stream', 'abc')).toEqual({ bytes: [97, 98, 99], used: true });
    expect(await post('twice', 'abc')).toEqual({ second: 'TypeError' });
    expect(await post('clone', 'abc')).toEqual({ a: 'abc', b: 'abc', copyType: 'HttpRequest' });
    expect(await post('blob', 'abcd')).toEqual({ size: 4 });
    expect(await post('form', 'a=1&b=2', 'application/x-www-form-urlencoded')).toEqual({ a: '1' });
    // GET has no body, as with fetch; no auth headers means no user.
    expect(await (await fetch(at('/api/read/none'))).json()).toEqual({
      body: null,
      user: null,
      contentType: null,
    });
    await h.close();
  });

  it('writes repeated headers as separate lines, cookies as Set-Cookie and jsonBody as JSON', async () => {
    const raw = await rawRequest('POST', '/api/echo/1', 'x');
    expect(raw.statusCode).toBe(201);
    expect(raw.rawHeaders.filter((_, i, a) => i % 2 === 1 && a[i - 1].toLowerCase() === 'x-multi')).toEqual([
      'one',
      'two',
    ]);
    expect(raw.headers['set-cookie']).toEqual(['session=abc; Path=/; HttpOnly; SameSite=Lax']);
    expect(raw.headers['content-type']).toBe('application/json');
  });

  it('writes string, Uint8Array, Buffer and stream bodies with the content types fetch would give them', async () => {
    const text = await fetch(url('/api/text'));
    expect(text.headers.get('content-type')).toBe('text/plain;charset=UTF-8');
    expect(await text.text()).toBe('héllo');
    const bytes = await fetch(url('/api/bytes'));
    expect(bytes.headers.get('content-type')).toBe('application/x-thing');
    expect([...new Uint8Array(await bytes.arrayBuffer())]).toEqual([1, 2, 3]);
    expect(await (await fetch(url('/api/buffer'))).text()).toBe('buf');
    expect(await (await fetch(url('/api/stream'))).text()).toBe('chunk1,chunk2');
  });

  it('writes an HttpResponse instance, multiple Set-Cookie values included', async () => {
    const raw = await rawRequest('GET', '/api/response');
    expect(raw.statusCode).toBe(202);
    expect(raw.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(raw.headers['x-a']).toBe('1');
    expect(JSON.parse(raw.body)).toEqual({ ok: true });
  });

  it('answers 204 when the handler returns nothing, and HEAD without a body', async () => {
    expect((await fetch(url('/api/nothing'), { method: 'DELETE' })).status).toBe(204);
    const head = await rawRequest('HEAD', '/api/text');
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-length']).toBe(String(Buffer.byteLength('héllo')));
    expect(head.body).toBe('');
  });

  it('404 JSON for an unknown route or a missing prefix, 405 with Allow for a wrong method', async () => {
    const none = await fetch(url('/api/nope'));
    expect(none.status).toBe(404);
    expect(await none.json()).toMatchObject({ code: 'ROUTE_NOT_FOUND' });
    expect((await fetch(url('/text'))).status).toBe(404);
    expect((await fetch(url('/api/echo/notanint'), { method: 'POST' })).status).toBe(404);
    const wrong = await fetch(url('/api/text'), { method: 'POST', body: 'x' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, HEAD');
    expect(await wrong.json()).toMatchObject({ code: 'METHOD_NOT_ALLOWED' });
  });

  it('a function without route or methods answers GET and POST on its name', async () => {
    expect(await (await fetch(url('/api/defaults'))).text()).toBe('GET');
    expect(await (await fetch(url('/api/defaults'), { method: 'POST', body: '' })).text()).toBe('POST');
  });

  it('500 JSON when a handler throws', async () => {
    const res = await fetch(url('/api/throws'));
    expect(res.status).toBe(500);
    const body = (await res.json()) as { code: string; error: string };
    expect(body.code).toBe('FUNCTION_FAILED');
    expect(body.error).toContain('throws');
  });

  it('413 for a body over the limit: announced by Content-Length, or chunked', async () => {
    const declared = await fetch(url('/api/echo/1'), { method: 'POST', body: new Uint8Array(4096) });
    expect(declared.status).toBe(413);
    expect(await declared.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    const chunked = await fetch(url('/api/echo/1'), {
      method: 'POST',
      body: new ReadableStream<Uint8Array>({
        start(c) {
          for (let i = 0; i < 8; i++) c.enqueue(new Uint8Array(512));
          c.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    // Exactly at the limit is fine.
    expect((await fetch(url('/api/echo/1'), { method: 'POST', body: new Uint8Array(1024) })).status).toBe(
      201,
    );
  });

  it('answers 413 to an upload far over the limit without resetting it mid-body (the client reads the 413)', async () => {
    // A client in another process (in this one, the event loop hides the race), sending a body much larger
    // than the socket buffers: closing while it still sends used to lose the answer in EPIPE about half
    // the time.
    const client = `
      const body = new Uint8Array(8 * 1024 * 1024);
      const out = [];
      for (let i = 0; i < 10; i++) {
        try {
          const res = await fetch(${JSON.stringify(url('/api/echo/1'))}, { method: 'POST', body });
          out.push(res.status + ' ' + (await res.json()).code);
        } catch (e) {
          out.push(e.cause?.code ?? e.message);
        }
      }
      console.log(JSON.stringify(out));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', client]);
    expect(JSON.parse(stdout)).toEqual(new Array(10).fill('413 PAYLOAD_TOO_LARGE'));
  });

  it('refuses an oversized upload that asks first (Expect: 100-continue) without receiving it', async () => {
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(host.port, '127.0.0.1', () => {
        socket.write(
          `POST /api/echo/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\nExpect: 100-continue\r\n\r\n`,
        );
      });
      let data = '';
      socket.on('data', (d) => (data += d.toString()));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 413/);
    expect(reply).toContain('PAYLOAD_TOO_LARGE');
  });

  it('answers requests its parser refuses with JSON errors: headers over 16 KiB, broken HTTP', async () => {
    const raw = (text: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(host.port, '127.0.0.1', () => socket.write(text));
        let data = '';
        socket.on('data', (d) => (data += d.toString()));
        socket.on('close', () => resolve(data));
        socket.on('error', reject);
      });
    const huge = await raw(`GET /api/echo/1 HTTP/1.1\r\nHost: x\r\nX-Junk: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(huge).toMatch(/^HTTP\/1\.1 431 /);
    expect(JSON.parse(huge.slice(huge.indexOf('\r\n\r\n') + 4))).toMatchObject({ code: 'HEADERS_TOO_LARGE' });
    const broken = await raw('NOT HTTP AT ALL\r\n\r\n');
    expect(broken).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(broken.slice(broken.indexOf('\r\n\r\n') + 4))).toMatchObject({
      code: 'MALFORMED_HTTP',
    });
  });

  it('keeps connections alive between requests', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const ports: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await rawRequest('GET', '/api/text', undefined, agent);
      expect(r.headers.connection).toBe('keep-alive');
      ports.push(r.localPort);
    }
    agent.destroy();
    expect(new Set(ports).size).toBe(1);
  });

  it('routes context.log to the host logger, tagged with the function and invocation', async () => {
    const lines: { obj: object; msg?: string }[] = [];
    const record = (obj: object, msg?: string) => lines.push({ obj, msg });
    const logged = await startHttpHost({
      functions: [functions[0]],
      port: 0,
      routePrefix: '',
      logger: { debug: record, info: record, warn: record, error: record },
    });
    try {
      await fetch(`${logged.url}/echo/5`, { method: 'POST', body: 'x' });
    } finally {
      await logged.close();
    }
    expect(lines.find((l) => l.msg === 'echo called')?.obj).toMatchObject({
      functionName: 'echo',
      invocationId: expect.any(String),
    });
  });

  it('close() lets in-flight requests finish', async () => {
    const other = await startHttpHost({ functions, port: 0, routePrefix: '', logger: silent });
    const pending = fetch(`${other.url}/slow`).then((r) => r.text());
    while (!release) await new Promise((r) => setTimeout(r, 5));
    const closing = other.close();
    release();
    expect(await pending).toBe('finally');
    await closing;
    await expect(fetch(`${other.url}/text`)).rejects.toThrow();
  });

  it('lists its routes with the prefix for the start-up banner', () => {
    expect(host.routes.find((r) => r.name === 'echo')).toEqual({
      name: 'echo',
      methods: ['POST', 'PUT'],
      path: '/api/echo/{id:int}/{rest?}',
      authLevel: 'anonymous',
    });
    expect(host.describe()).toContain(`GET,HEAD ${host.url}/api/text`);
  });
});

describe('routePrefixFromHostJson', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hostjson-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads extensions.http.routePrefix, "api" when absent, and fails on broken JSON', async () => {
    await writeFile(
      join(dir, 'empty.json'),
      JSON.stringify({ version: '2.0', extensions: { http: { routePrefix: '' } } }),
    );
    await writeFile(join(dir, 'none.json'), JSON.stringify({ version: '2.0' }));
    await writeFile(join(dir, 'bad.json'), '{');
    expect(routePrefixFromHostJson(join(dir, 'empty.json'))).toBe('');
    expect(routePrefixFromHostJson(join(dir, 'none.json'))).toBe('api');
    expect(routePrefixFromHostJson(join(dir, 'missing.json'))).toBe('api');
    expect(() => routePrefixFromHostJson(join(dir, 'bad.json'))).toThrow(/not valid JSON/);
  });
});

interface RawReply {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  rawHeaders: string[];
  body: string;
  localPort: number;
}

function rawRequest(method: string, path: string, body?: string, agent?: Agent): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: host.port, method, path, agent }, (res) => {
      const localPort = res.socket.localPort!;
      let data = '';
      res.on('data', (d) => (data += d.toString()));
      res.on('end', () =>
        resolve({
          statusCode: res.statusCode!,
          headers: res.headers,
          rawHeaders: res.rawHeaders,
          body: data,
          localPort,
        }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}
