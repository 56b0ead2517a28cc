import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { resolve } from 'node:path';
import { isPortOpen } from '@modelfn/dev-processes';
import { afterEach, describe, expect, it } from 'vitest';
import { descendants, eventually, gone, isHostProcess } from './support/processes.js';
import { ROOT, startSystem, type System } from './support/system.js';

const digit7 = readFileSync(resolve(ROOT, 'apps/local/samples/digit-7.png'));

/**
 * A PNG upload the host has begun to handle: with `expect: 100-continue` the host answers `100 Continue`
 * from inside its request handler, so once the client sees it the request is in flight there, whatever the
 * machine's load. The body is sent when the test says so.
 */
function inFlightUpload(url: string): Promise<{ finish: () => Promise<{ status: number; text: string }> }> {
  return new Promise((started, fail) => {
    const req = request(`${url}/score`, {
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'image/png', 'content-length': digit7.length, expect: '100-continue' },
    });
    const answered = new Promise<{ status: number; text: string }>((ok, failAnswer) => {
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => ok({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', failAnswer);
    });
    req.once('error', fail);
    req.on('continue', () =>
      started({
        finish: () => {
          req.end(digit7);
          return answered;
        },
      }),
    );
    req.flushHeaders();
  });
}

/** The host's processes under npm: the primary (whose parent is npm's `sh -c`) and its HTTP workers. */
function hostProcesses(sys: System): { primary: number; workers: number[]; redis: number } {
  const below = descendants(sys.child.pid!);
  const hosts = below.filter(isHostProcess);
  const primary = hosts.find((p) => !hosts.some((q) => q.pid === p.ppid));
  if (!primary) throw new Error(`no host process under npm:\n${JSON.stringify(below, null, 1)}`);
  const redis = Number(/redis-server pid (\d+)/.exec(sys.output())?.[1]);
  return { primary: primary.pid, workers: hosts.filter((p) => p !== primary).map((p) => p.pid), redis };
}

async function stoppedCleanly(sys: System, pids: number[], signalledAt: number): Promise<void> {
  expect(await gone(pids)).toEqual([]);
  console.log(`graceful stop: every process gone ${Date.now() - signalledAt} ms after the signal`);
  const out = sys.output();
  expect(out).toContain('"msg":"stopped"');
  expect(out).not.toContain('not cleanly');
  expect(out).not.toContain('Napi::Error');
  expect(out).not.toContain('terminate called');
  for (const port of [sys.ports.http, sys.ports.redis, sys.ports.servicebus, sys.ports.blob])
    expect(await isPortOpen(port)).toBe(false);
}

/**
 * Issue 30 item 3. `npm start` itself (npm, its `sh -c`, the host and two HTTP workers, on free ports, in a
 * process group of their own as in a terminal), stopped the two ways it is stopped in practice, with a
 * request in flight each time.
 */
describe('graceful stop of npm start', () => {
  let sys: System | undefined;
  afterEach(async () => {
    await sys?.stop('SIGKILL');
    sys = undefined;
  });

  it('kill <pid of npm> (a process manager): the request in flight is answered, everything stops, exit clean', async () => {
    sys = await startSystem(undefined, { LOG_LEVEL: 'info', LOCAL_HOST_WORKERS: '2' }, { npm: true });
    const { primary, workers, redis } = hostProcesses(sys);
    expect(workers).toHaveLength(2);
    const upload = await inFlightUpload(sys.url);

    const signalledAt = Date.now();
    process.kill(sys.child.pid!, 'SIGTERM');
    // Before: npm's SIGTERM ended its `sh -c` and never reached the host, which ran on, orphaned.
    expect(await eventually(() => sys!.output().includes('"msg":"shutting down"'))).toBe(true);
    expect(await upload.finish()).toEqual({ status: 200, text: '[7]' });
    await stoppedCleanly(sys, [primary, ...workers, redis], signalledAt);
  }, 300_000);

  it('SIGINT to the process group (Ctrl-C): the request in flight is answered, everything stops, exit clean', async () => {
    sys = await startSystem(undefined, { LOG_LEVEL: 'info', LOCAL_HOST_WORKERS: '2' }, { npm: true });
    const { primary, workers, redis } = hostProcesses(sys);
    const upload = await inFlightUpload(sys.url);

    const signalledAt = Date.now();
    process.kill(-sys.child.pid!, 'SIGINT');
    expect(await eventually(() => sys!.output().includes('"msg":"shutting down"'))).toBe(true);
    expect(await upload.finish()).toEqual({ status: 200, text: '[7]' });
    expect(sys.output()).not.toContain('second signal');
    await stoppedCleanly(sys, [primary, ...workers, redis], signalledAt);
    // The workers got the SIGINT too and did not die of it: the primary drained them, and each exited on
    // its own (an idle one may be gone before the test looks, so their exits are read from the log).
    const stopped = sys
      .output()
      .split('\n')
      .filter((l) => l.includes('"msg":"an HTTP worker stopped"'));
    expect(stopped).toHaveLength(workers.length);
    for (const line of stopped) expect(JSON.parse(line)).toMatchObject({ code: 0, signal: null });
  }, 300_000);
});
