import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findFreePort, isPortOpen } from '@modelfn/dev-processes';
import { afterEach, describe, expect, it } from 'vitest';

const root = resolve(fileURLToPath(new URL('../../../', import.meta.url)));

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

let current: Started | undefined;
afterEach(() => {
  // The whole group: the host and the redis-server it spawned (a SIGKILL of the host alone leaves Redis).
  if (current && current.child.exitCode === null) process.kill(-current.child.pid!, 'SIGKILL');
  current = undefined;
});

/**
 * `npm start` without npm in between (its script, `node --import tsx apps/local/src/main.ts`), from the repo
 * root, on free ports for everything it listens on and with Azurite's and the emulator's data in a folder of
 * its own: a developer's `npm start` in another terminal, on the default ports, does not get in the way.
 */
async function start(env: Record<string, string>): Promise<Started> {
  const data = mkdtempSync(join(tmpdir(), 'modelfn-local-main-'));
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    LOG_LEVEL: 'info',
    SERVICEBUS_PORT: String(await findFreePort()),
    AZURITE_BLOB_PORT: String(await findFreePort()),
    AZURITE_QUEUE_PORT: String(await findFreePort()),
    AZURITE_TABLE_PORT: String(await findFreePort()),
    AZURITE_LOCATION: join(data, 'azurite'),
    SERVICEBUS_DATA_DIR: join(data, 'servicebus'),
    ...env,
  };
  delete childEnv.REDIS_URL;
  delete childEnv.CACHE_MODE;
  delete childEnv.AzureWebJobsStorage;
  delete childEnv.ServiceBusConnection;
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/local/src/main.ts'], {
    cwd: root,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.once('exit', () => setTimeout(() => rmSync(data, { recursive: true, force: true }), 1_000).unref());
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  current = { child, output: () => out, exited };
  const deadline = Date.now() + 60_000;
  while (!out.includes('Ctrl-C stops everything.')) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${out}`);
    if (Date.now() > deadline) throw new Error(`npm start did not come up within 60 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return current;
}

/** Runs the printed curl line for the PNG digit as fetch would: same file, same content type, same URL. */
async function runPrintedPngCurl(output: string): Promise<{ status: number; body: string }> {
  const m = /curl -s -H 'content-type: image\/png' --data-binary @(\S+) (\S+)/.exec(output);
  if (!m) throw new Error(`no PNG curl example in:\n${output}`);
  const res = await fetch(m[2], {
    method: 'POST',
    headers: { 'content-type': 'image/png' },
    body: await readFile(resolve(root, m[1])),
  });
  return { status: res.status, body: await res.text() };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm start (apps/local)', () => {
  it('spawns redis-server, serves the printed PNG example, and SIGTERM stops everything with exit 0', async () => {
    const port = await findFreePort();
    const redisPort = await findFreePort();
    const app = await start({ PORT: String(port), REDIS_PORT: String(redisPort) });
    const out = app.output();
    expect(out).toContain(`HTTP     http://127.0.0.1:${port}`);
    expect(out).toContain(`POST     http://127.0.0.1:${port}/score`);
    expect(out).toContain(`POST     http://127.0.0.1:${port}/v2/models/{model}/infer`);
    const redis = /Redis {4}redis:\/\/127\.0\.0\.1:(\d+) \(redis-server pid (\d+)/.exec(out);
    expect(redis?.[1]).toBe(String(redisPort));
    const redisPid = Number(redis![2]);
    expect(alive(redisPid)).toBe(true);

    const first = await runPrintedPngCurl(out);
    expect(first).toEqual({ status: 200, body: '[7]' });

    const json = /--data-binary @(\S+\.json) '(\S+)'/.exec(out)!;
    const probs = await fetch(json[2], {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: await readFile(resolve(root, json[1])),
    });
    expect(((await probs.json()) as { label: number }[])[0].label).toBe(7);

    app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);
    expect(alive(redisPid)).toBe(false);
    expect(await isPortOpen(redisPort)).toBe(false);
    expect(await isPortOpen(port)).toBe(false);
    expect(app.output()).toContain('"msg":"stopped"');
  }, 90_000);

  it('without redis-server on PATH, says so and runs with the in-process cache', async () => {
    const port = await findFreePort();
    const app = await start({
      PORT: String(port),
      REDIS_PORT: String(await findFreePort()),
      PATH: '/nonexistent',
    });
    expect(app.output()).toContain('in-process memory cache (redis-server is not on PATH');
    expect(await runPrintedPngCurl(app.output())).toEqual({ status: 200, body: '[7]' });
    app.child.kill('SIGINT');
    expect(await app.exited).toBe(0);
  }, 90_000);

  it('exits 1 with the setting name when a setting is invalid', async () => {
    await expect(start({ PORT: String(await findFreePort()), MAX_REQUEST_BYTES: 'lots' })).rejects.toThrow(
      /MAX_REQUEST_BYTES=lots/,
    );
    expect(await current!.exited).toBe(1);
  }, 90_000);
});
