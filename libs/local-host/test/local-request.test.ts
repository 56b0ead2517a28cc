// The local host's fast request objects against the library's and undici's own behaviour.
import azf from '@azure/functions';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BufferedRequest } from '../src/http/buffered-request.js';
import { newInvocationContext } from '../src/invocation/local-context.js';
import { newHttpRequest } from '../src/http/local-request.js';
import { RequestHeaders } from '../src/http/request-headers.js';
import { requestUrl } from '../src/http/to-invocation.js';

const ORIGIN = 'http://127.0.0.1:7071';

/** The href, or the error's name: a path URL parsing refuses must be refused the same way. */
function outcome(fn: () => string): string {
  try {
    return fn();
  } catch (e) {
    return (e as Error).name;
  }
}

describe('requestUrl', () => {
  it('equals URL parsing for plain paths and falls back to it for the rest', () => {
    const paths = [
      '/',
      '/score',
      '/v2/models/mnist/versions/1/infer',
      '/a/',
      '/a/./b',
      '/a/../b',
      '/.',
      '/..',
      '/%7Euser',
      '/a b',
      '/é',
      '//x',
      '/score?x=1&x=2',
      '/a#f',
      '/.well-known/x',
      '/a\\b',
    ];
    for (const p of paths)
      expect(
        outcome(() => requestUrl(p, ORIGIN)),
        p,
      ).toBe(outcome(() => new URL(p, ORIGIN).href));
    fc.assert(
      fc.property(fc.stringMatching(/^\/[A-Za-z0-9._~%/?#&=é -]{0,30}$/), (p) => {
        expect(outcome(() => requestUrl(p, ORIGIN))).toBe(outcome(() => new URL(p, ORIGIN).href));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('RequestHeaders', () => {
  const raw = { 'content-type': 'application/json', 'x-b': '2', 'x-a': '1, 3' };

  it('reads, iterates and mutates like fetch Headers', () => {
    const ours = new RequestHeaders(raw);
    const theirs = new Headers(raw);
    expect(ours).toBeInstanceOf(Headers);
    for (const name of ['Content-Type', 'x-a', 'X-B', 'missing']) {
      expect(ours.get(name)).toBe(theirs.get(name));
      expect(ours.has(name)).toBe(theirs.has(name));
    }
    expect([...ours]).toEqual([...theirs]);
    for (const h of [ours, theirs]) {
      h.append('X-New', ' v1 ');
      h.append('x-new', 'v2');
      h.set('x-b', 'replaced');
      h.delete('X-A');
    }
    expect([...ours.entries()]).toEqual([...theirs.entries()]);
    expect([...ours.keys()]).toEqual([...theirs.keys()]);
    expect([...ours.values()]).toEqual([...theirs.values()]);
    expect(ours.getSetCookie()).toEqual([]);
    const seen: string[] = [];
    ours.forEach((v, k) => seen.push(`${k}=${v}`));
    expect(seen).toEqual([...theirs].map(([k, v]) => `${k}=${v}`));
  });

  it('refuses what fetch refuses', () => {
    const h = new RequestHeaders({});
    expect(() => h.set('bad name', 'x')).toThrow(TypeError);
    expect(() => h.append('x', 'a\r\nb')).toThrow(TypeError);
  });
});

describe('local InvocationContext and HttpRequest', () => {
  it('are instances of the library classes with their behaviour', async () => {
    const logged: string[] = [];
    const ctx = newInvocationContext({
      invocationId: 'id-1',
      functionName: 'f',
      logHandler: (level, ...args) => logged.push(`${level}:${args.join(' ')}`),
    });
    expect(ctx).toBeInstanceOf(azf.InvocationContext);
    expect(ctx.constructor.name).toBe('InvocationContext');
    ctx.log('a', 1);
    ctx.warn('b');
    ctx.error('c');
    ctx.trace('d');
    ctx.debug('e');
    ctx.info('f');
    expect(logged).toEqual([
      'information:a 1',
      'warning:b',
      'error:c',
      'trace:d',
      'debug:e',
      'information:f',
    ]);
    expect(ctx.options.trigger).toEqual({ name: 'unknown', type: 'unknown' });
    expect(ctx.extraInputs.get('x')).toBeUndefined();
    const binding = azf.input.generic({ type: 'x', name: 'in1' });
    ctx.extraInputs.set(binding, 5);
    expect(ctx.extraInputs.get('in1')).toBe(5);
    ctx.extraOutputs.set('out1', 'v');
    expect(ctx.extraOutputs.get('out1')).toBe('v');

    const native = new BufferedRequest(
      `${ORIGIN}/p?q=1`,
      'POST',
      { 'content-type': 'text/plain' },
      Buffer.from('hi'),
    );
    const req = newHttpRequest(native, { id: '7' }, new URLSearchParams('q=1'));
    expect(req).toBeInstanceOf(azf.HttpRequest);
    expect([req.url, req.method, req.params.id, req.query.get('q'), req.headers.get('content-type')]).toEqual(
      [`${ORIGIN}/p?q=1`, 'POST', '7', '1', 'text/plain'],
    );
    expect(req.user).toBeNull();
    const copy = req.clone();
    expect(copy).toBeInstanceOf(azf.HttpRequest);
    expect(await req.text()).toBe('hi');
    expect(req.bodyUsed).toBe(true);
    expect(await copy.text()).toBe('hi');
  });

  it('parses App Service auth headers into user, as the library does', () => {
    const principal = Buffer.from(JSON.stringify({ claims: [] })).toString('base64');
    const headers = {
      'x-ms-client-principal': principal,
      'x-ms-client-principal-id': 'u1',
      'x-ms-client-principal-name': 'ana',
      'x-ms-client-principal-idp': 'aad',
    };
    const req = newHttpRequest(
      new BufferedRequest(`${ORIGIN}/`, 'GET', headers, undefined),
      {},
      new URLSearchParams(),
    );
    const theirs = new azf.HttpRequest({ url: `${ORIGIN}/`, method: 'GET', headers });
    expect(req.user).toEqual(theirs.user);
    expect(req.user).toMatchObject({ type: 'AppService', id: 'u1', username: 'ana' });
  });
});
