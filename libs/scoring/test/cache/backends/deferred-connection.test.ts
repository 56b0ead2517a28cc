import { describe, expect, it } from 'vitest';
import { DeferredConnection } from '../../../src/cache/backends/deferred-connection.js';
import type { RedisConnection, RedisErrorListener } from '../../../src/cache/backends/redis-connection.js';

/** A connection whose first attempt the test ends, by `ready()` or `fail()`. */
function fakeConnection(onError: RedisErrorListener) {
  let isReady = false;
  let readyNow!: (ok: boolean) => void;
  const readyOnce = new Promise<boolean>((resolve) => (readyNow = resolve));
  const calls: string[] = [];
  const connection: RedisConnection = {
    mode: 'standalone',
    get isReady() {
      return isReady;
    },
    whenReady: () => (isReady ? Promise.resolve(true) : readyOnce),
    mget: async (keys) => {
      calls.push(`mget ${keys.join(',')}`);
      if (!isReady) throw new Error('not ready');
      return keys.map(() => null);
    },
    get: async (key) => {
      calls.push(`get ${key}`);
      return null;
    },
    setEx: async (entries) => void calls.push(`set ${entries.length}`),
    close: async () => {
      calls.push('close');
      readyNow(false);
    },
  };
  return {
    connection,
    calls,
    ready() {
      isReady = true;
      readyNow(true);
    },
    fail: () => onError(new Error('ECONNREFUSED')),
  };
}

function deferred() {
  const made: ReturnType<typeof fakeConnection>[] = [];
  const errors: string[] = [];
  const d = new DeferredConnection(
    'standalone',
    (onError) => {
      const fake = fakeConnection(onError);
      made.push(fake);
      return fake.connection;
    },
    (err) => errors.push(err.message),
    60_000,
  );
  return { d, made, errors };
}

describe('DeferredConnection', () => {
  it('makes nothing before open(): commands fail at once, not ready', async () => {
    const { d, made } = deferred();
    await expect(d.mget(['a'])).rejects.toThrow(/not opened yet/);
    await expect(d.setEx([{ key: 'a', value: Buffer.from('x') }], 60)).rejects.toThrow(/not opened/);
    expect(d.isReady).toBe(false);
    expect(made).toHaveLength(0);
  });

  it('holds commands sent during the first attempt until it is ready, then sends them', async () => {
    const { d, made } = deferred();
    d.open();
    d.open();
    expect(made).toHaveLength(1);
    const reply = d.mget(['a', 'b']);
    await new Promise((r) => setImmediate(r));
    expect(made[0].calls).toEqual([]);
    made[0].ready();
    await expect(reply).resolves.toEqual([null, null]);
    expect(d.isReady).toBe(true);
    expect(made[0].calls).toEqual(['mget a,b']);
  });

  it('lets held commands go on (and fail fast) once the first attempt errors, and reports the error', async () => {
    const { d, made, errors } = deferred();
    d.open();
    const reply = d.mget(['a']);
    made[0].fail();
    await expect(reply).rejects.toThrow('not ready');
    expect(errors).toEqual(['ECONNREFUSED']);
    // After the first attempt, a command is sent at once (the connection decides).
    await expect(d.mget(['b'])).rejects.toThrow('not ready');
    expect(made[0].calls).toEqual(['mget a', 'mget b']);
  });

  it('whenReady before open waits for the open and the connection, within its budget', async () => {
    const { d, made } = deferred();
    const ready = d.whenReady(60_000);
    d.open();
    made[0].ready();
    await expect(ready).resolves.toBe(true);
    const { d: never } = deferred();
    await expect(never.whenReady(20)).resolves.toBe(false);
  });

  it('reports a factory that throws instead of throwing from open(), and stays unopened', async () => {
    const errors: string[] = [];
    const d = new DeferredConnection(
      'standalone',
      () => {
        throw new Error('bad options');
      },
      (err) => errors.push(err.message),
      60_000,
    );
    expect(() => d.open()).not.toThrow();
    expect(errors).toEqual(['bad options']);
    await expect(d.get('a')).rejects.toThrow(/not opened/);
    await expect(d.whenReady(60_000)).resolves.toBe(false);
  });

  it('never makes the connection once closed, and closes one it made', async () => {
    const { d, made } = deferred();
    const waiting = d.whenReady(60_000);
    await d.close();
    await expect(waiting).resolves.toBe(false);
    d.open();
    expect(made).toHaveLength(0);
    const other = deferred();
    other.d.open();
    await other.d.close();
    expect(other.made[0].calls).toEqual(['close']);
  });
});
