import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { findFreePort, isPortOpen, startRedisServer, waitForPort, RedisStartError } from '../src/index.js';

describe('ports', () => {
  it('finds a free port and waits until something listens on it', async () => {
    const port = await findFreePort();
    expect(await isPortOpen(port)).toBe(false);
    const server = createServer();
    setTimeout(() => server.listen(port, '127.0.0.1'), 100);
    await waitForPort(port, { timeoutMs: 5_000 });
    expect(await isPortOpen(port)).toBe(true);
    await new Promise((r) => server.close(r));
  });

  it('gives up at the timeout, or as soon as there is no reason to wait', async () => {
    const port = await findFreePort();
    await expect(waitForPort(port, { timeoutMs: 100 })).rejects.toThrow(/nothing listens/);
    await expect(waitForPort(port, { timeoutMs: 5_000, stillWorthWaiting: () => 'it died' })).rejects.toThrow(
      'it died',
    );
  });
});

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}

describe('startRedisServer', () => {
  it('starts an in-memory redis-server on the port and stops it', async () => {
    const port = await findFreePort();
    const redis = await startRedisServer({ port });
    expect(redis.url).toBe(`redis://127.0.0.1:${port}`);
    expect(await isPortOpen(port)).toBe(true);
    expect(() => process.kill(redis.pid, 0)).not.toThrow();
    await redis.stop();
    expect(await isPortOpen(port)).toBe(false);
    expect(() => process.kill(redis.pid, 0)).toThrow();
  });

  it('pauses, resumes and kills it like a crash', async () => {
    const port = await findFreePort();
    const redis = await startRedisServer({ port });
    const state = () => readFileSync(`/proc/${redis.pid}/stat`, 'utf8').split(') ')[1][0];
    redis.pause();
    await waitFor(() => state() === 'T');
    redis.resume();
    await waitFor(() => state() !== 'T');
    await redis.kill();
    expect(() => process.kill(redis.pid, 0)).toThrow();
  });

  it('says why it could not start: binary not found, or port in use', async () => {
    const port = await findFreePort();
    await expect(startRedisServer({ port, bin: 'redis-server-that-does-not-exist' })).rejects.toMatchObject({
      name: 'RedisStartError',
      reason: 'not-found',
    });
    const server = createServer().listen(port, '127.0.0.1');
    await waitForPort(port);
    const err = await startRedisServer({ port }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RedisStartError);
    expect((err as RedisStartError).reason).toBe('port-in-use');
    expect((err as Error).message).toContain('REDIS_PORT');
    await new Promise((r) => server.close(r));
  });

  it('reports redis-server output when it exits during start-up', async () => {
    const port = await findFreePort();
    await expect(startRedisServer({ port, args: ['--no-such-option', 'x'] })).rejects.toMatchObject({
      reason: 'failed',
    });
  });
});
