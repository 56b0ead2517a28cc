import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findFreePort, isPortOpen } from '@modelfn/dev-processes';
import { afterEach, describe, expect, it } from 'vitest';

const root = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
const tsxCli = resolve(root, 'node_modules/tsx/dist/cli.mjs');

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

let current: Started | undefined;
afterEach(() => {
  if (current && current.child.exitCode === null) current.child.kill('SIGKILL');
  current = undefined;
});

/** `npm start` without npm in between: the tsx CLI on apps/local/src/main.ts, from the repo root. */
async function start(env: Record<string, string>): Promise<Started> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'info', ...env };
  delete childEnv.REDIS_URL;
  delete childEnv.CACHE_MODE;
  const child = spawn(process.execPath, [tsxCli, 'apps/local/src/main.ts'], {
    cwd: root,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
