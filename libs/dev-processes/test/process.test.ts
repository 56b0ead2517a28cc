import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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

describe('startRedisServer with a pid file', () => {
  it("reattaches the redis-server of a host that was SIGKILLed, and stops it; refuses another program's port", async () => {
    const port = await findFreePort();
    const pidFile = join(mkdtempSync(join(tmpdir(), 'redis-pid-')), 'redis.pid');
    const index = fileURLToPath(new URL('../src/index.ts', import.meta.url));
    // A host process that starts Redis and is then killed before it can stop it.
    const host = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `const { startRedisServer } = await import(${JSON.stringify(index)});
         const r = await startRedisServer({ port: ${port}, pidFile: ${JSON.stringify(pidFile)} });
         console.log(r.pid); setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    // The redis-server's pid, as the host wrote it to the pid file once Redis was up (its stdout is shared
    // with redis-server and the loader, so it is not read for this).
    let orphanPid = NaN;
    for (let i = 0; i < 200 && !(orphanPid > 0); i++) {
      await new Promise((r) => setTimeout(r, 100));
      if (existsSync(pidFile)) orphanPid = Number(readFileSync(pidFile, 'utf8').trim().split(/\s+/)[0]);
    }
    expect(orphanPid).toBeGreaterThan(0);
    await waitForPort(port);
    await new Promise((r) => {
      host.once('exit', r);
      host.kill('SIGKILL');
    });
    expect(await isPortOpen(port)).toBe(true);

    const redis = await startRedisServer({ port, pidFile });
    expect(redis).toMatchObject({ reattached: true, pid: orphanPid, url: `redis://127.0.0.1:${port}` });
    await redis.stop();
    expect(await isPortOpen(port)).toBe(false);
    expect(existsSync(pidFile)).toBe(false);

    // A pid file naming a process that is not a redis-server on this port is not taken for ours.
    const server = createServer().listen(port, '127.0.0.1');
    await waitForPort(port);
    writeFileSync(pidFile, String(process.pid));
    await expect(startRedisServer({ port, pidFile })).rejects.toMatchObject({ reason: 'port-in-use' });
    await new Promise((r) => server.close(r));
  }, 30_000);

  it('never takes over the redis-server of a host that still runs (issue 30 item 4): refused, left running', async () => {
    const port = await findFreePort();
    const pidFile = join(mkdtempSync(join(tmpdir(), 'redis-pid-')), 'redis.pid');
    const index = fileURLToPath(new URL('../src/index.ts', import.meta.url));
    // A live host (another `npm start`) that started Redis with the pid file and keeps running.
    const host = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `const { startRedisServer } = await import(${JSON.stringify(index)});
         await startRedisServer({ port: ${port}, pidFile: ${JSON.stringify(pidFile)} });
         setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    try {
      let redisPid = NaN;
      for (let i = 0; i < 200 && !(redisPid > 0); i++) {
        await new Promise((r) => setTimeout(r, 100));
        if (existsSync(pidFile)) redisPid = Number(readFileSync(pidFile, 'utf8').trim().split(/\s+/)[0]);
      }
      await waitForPort(port);
      const err = await startRedisServer({ port, pidFile }).catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'RedisStartError', reason: 'port-in-use' });
      expect((err as Error).message).toContain(`still running (pid ${host.pid})`);
      // The live host's Redis is untouched: same process, still answering, pid file still its own.
      expect(() => process.kill(redisPid, 0)).not.toThrow();
      expect(await isPortOpen(port)).toBe(true);
      expect(readFileSync(pidFile, 'utf8').split(/\s+/).slice(0, 2)).toEqual([
        String(redisPid),
        String(host.pid),
      ]);
    } finally {
      // SIGKILL leaves Redis behind on purpose: the next start, its owner gone, reattaches and stops it.
      await new Promise((r) => {
        host.once('exit', r);
        host.kill('SIGKILL');
      });
      const redis = await startRedisServer({ port, pidFile });
      expect(redis.reattached).toBe(true);
      await redis.stop();
    }
  }, 30_000);
});
