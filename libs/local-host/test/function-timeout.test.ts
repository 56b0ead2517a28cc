// host.json's functionTimeout, read as the Functions host reads it, and enforced by the one invoker.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import azf from '@azure/functions';
import type { HostLogger } from '@modelfn/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_FUNCTION_TIMEOUT_MS, functionTimeoutFromHostJson } from '../src/host-json.js';
import { functionTimeoutOf } from '../src/invocation/function-timeout.js';
import { createInvoker, mountFunction } from '../src/invocation/invoke.js';
import { startHttpHost } from '../src/http/http-host.js';

const quiet: HostLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'modelfn-host-json-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function hostJson(body: object): string {
  const path = join(dir, `${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify({ version: '2.0', ...body }));
  return path;
}

describe('functionTimeout from host.json', () => {
  it('reads a time span, and "-1" (or null) as unbounded', () => {
    expect(functionTimeoutFromHostJson(hostJson({ functionTimeout: '00:05:00' }))).toBe(300_000);
    expect(functionTimeoutFromHostJson(hostJson({ functionTimeout: '00:00:01.5' }))).toBe(1_500);
    expect(functionTimeoutFromHostJson(hostJson({ functionTimeout: '1.02:00:00' }))).toBe(26 * 3_600_000);
    expect(functionTimeoutFromHostJson(hostJson({ functionTimeout: '-1' }))).toBeUndefined();
    expect(functionTimeoutFromHostJson(hostJson({ functionTimeout: null }))).toBeUndefined();
  });

  it("defaults to Flex Consumption's 30 minutes, with or without a host.json", () => {
    expect(DEFAULT_FUNCTION_TIMEOUT_MS).toBe(30 * 60_000);
    expect(functionTimeoutFromHostJson(hostJson({}))).toBe(DEFAULT_FUNCTION_TIMEOUT_MS);
    expect(functionTimeoutOf({ hostJsonPath: join(dir, 'missing.json') })).toBe(DEFAULT_FUNCTION_TIMEOUT_MS);
    expect(functionTimeoutOf({})).toBe(DEFAULT_FUNCTION_TIMEOUT_MS);
    expect(functionTimeoutOf({ functionTimeoutMs: 10, hostJsonPath: hostJson({}) })).toBe(10);
  });

  it('refuses what the host would refuse, saying the format', () => {
    expect(() => functionTimeoutFromHostJson(hostJson({ functionTimeout: '5 minutes' }))).toThrow(
      /functionTimeout must be a time span "hh:mm:ss"/,
    );
    expect(() => functionTimeoutFromHostJson(hostJson({ functionTimeout: '00:00:00' }))).toThrow(
      /at least 00:00:01/,
    );
  });

  it("every app's host.json parses: HTTP's 30 minutes (its job function's bound), the others the default", () => {
    const app = (name: string) => resolve(import.meta.dirname, '../../../apps', name, 'host.json');
    expect(functionTimeoutFromHostJson(app('score-http'))).toBe(30 * 60_000);
    for (const name of ['score-blob', 'score-servicebus', 'score-queue'])
      expect(functionTimeoutFromHostJson(app(name))).toBe(DEFAULT_FUNCTION_TIMEOUT_MS);
  });
});

describe('the invoker past functionTimeout', () => {
  const fn = (handler: () => unknown) =>
    mountFunction(
      { name: 'slow', options: { queueName: 'q', connection: 'S', handler } },
      azf.trigger.storageQueue({ queueName: 'q', connection: 'S' }),
    );

  it('fails an invocation whose handler never settles with code TIMEOUT, and the post hooks see it', async () => {
    let seen: unknown;
    const invoke = createInvoker({
      logger: quiet,
      // Small only to trigger the timeout; nothing measures how long it took.
      functionTimeoutMs: 50,
      hooks: { post: [(c) => void (seen = c.error)] },
    });
    const done = await invoke(
      fn(() => new Promise(() => {})),
      { input: 'x' },
    );
    expect(done.ok).toBe(false);
    expect(!done.ok && done.error).toMatchObject({
      code: 'TIMEOUT',
      message: expect.stringContaining('functionTimeout'),
    });
    expect(seen).toBe(!done.ok && done.error);
  });

  it('leaves an invocation that settles in time as it was', async () => {
    const invoke = createInvoker({ logger: quiet, functionTimeoutMs: 60_000 });
    expect(
      await invoke(
        fn(() => 'done'),
        { input: 'x' },
      ),
    ).toMatchObject({ ok: true, result: 'done' });
    const failed = await invoke(
      fn(() => Promise.reject(new Error('own'))),
      { input: 'x' },
    );
    expect(!failed.ok && (failed.error as Error).message).toBe('own');
  });
});

describe('an HTTP invocation past functionTimeout', () => {
  it('is answered 504 {error, code: TIMEOUT}, and the host goes on serving', async () => {
    const host = await startHttpHost({
      functions: [
        {
          name: 'stuck',
          options: { methods: ['GET'], route: 'stuck', handler: () => new Promise(() => {}) },
        },
        { name: 'fine', options: { methods: ['GET'], route: 'fine', handler: async () => ({ body: 'ok' }) } },
      ],
      port: 0,
      routePrefix: '',
      // The smallest functionTimeout host.json can say: only to trigger it.
      hostJsonPath: hostJson({ functionTimeout: '00:00:01' }),
      logger: quiet,
    });
    try {
      const r = await fetch(`${host.url}/stuck`);
      expect(r.status).toBe(504);
      expect(await r.json()).toMatchObject({
        code: 'TIMEOUT',
        error: expect.stringContaining('functionTimeout'),
      });
      expect(await (await fetch(`${host.url}/fine`)).text()).toBe('ok');
    } finally {
      await host.close();
    }
  });
});
