import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { resolve } from 'node:path';
import { isPortOpen } from '@modelfn/dev-processes';
import { afterAll, describe, expect, it } from 'vitest';
import { alive, eventually, gone, isHostProcess, processes } from './support/processes.js';
import { ROOT, startSystem, type System } from './support/system.js';

const digit7 = readFileSync(resolve(ROOT, 'apps/local/samples/digit-7.json'));

/**
 * One request on a connection of its own. node:cluster hands each new connection to the next worker in
 * turn, so consecutive calls alternate between the workers (a keep-alive client would stay on one).
 */
function call(url: string, body?: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((ok, fail) => {
    const headers = body ? { 'content-type': 'application/json' } : undefined;
    const req = request(url, { method: body ? 'POST' : 'GET', agent: false, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => ok({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', fail);
    req.end(body);
  });
}

/**
 * A connection the kernel queued on a killed worker's listening sockets (SO_REUSEPORT) is reset, as a
 * client of any server that restarts meets it; once, then the next connection goes to a live socket.
 */
async function callAfterReset(url: string, body?: Buffer): Promise<{ status: number; text: string }> {
  try {
    return await call(url, body);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ECONNRESET') throw e;
    return call(url, body);
  }
}

function workerPids(sys: System): number[] {
  const m = /HTTP {5}\S+ \(worker pids ([\d, ]+)\)/.exec(sys.output());
  if (!m) throw new Error(`no worker pids in the banner:\n${sys.output()}`);
  return m[1].split(', ').map(Number);
}

function counter(metrics: string, fn: string): number {
  const m = new RegExp(
    `^modelfn_invocations_total\\{trigger="http",function="${fn}",outcome="ok"\\} (\\d+)$`,
    'm',
  ).exec(metrics);
  return m ? Number(m[1]) : 0;
}

describe('npm start with LOCAL_HOST_WORKERS=2', () => {
  const started: System[] = [];
  const pids: number[] = [];

  afterAll(async () => {
    for (const sys of started) await sys.stop('SIGKILL');
    for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
  });

  it(
    'scores in two worker processes, /metrics sums both, SIGTERM stops them all',
    { timeout: 300_000 },
    async () => {
      const sys = await startSystem(undefined, { LOCAL_HOST_WORKERS: '2' });
      started.push(sys);
      const workers = workerPids(sys);
      pids.push(...workers);
      const redisPid = Number(/redis-server pid (\d+)/.exec(sys.output())?.[1]);
      expect(sys.output()).toContain('(2 worker processes: LOCAL_HOST_WORKERS)');
      expect(workers).toHaveLength(2);
      expect(workers).not.toContain(sys.child.pid);
      expect(workers.every(alive)).toBe(true);

      const n = 20;
      const scored = [];
      for (let k = 0; k < n; k++) scored.push(await call(`${sys.url}/score`, digit7));
      expect(scored.every((r) => r.status === 200 && r.text === '[7]')).toBe(true);

      // Whichever worker answers, /metrics counts every worker's requests and the /metrics calls before it (an
      // invocation is counted when it ends, by the invocation hooks: after its own response body was made).
      for (let k = 1; k <= 3; k++) {
        const metrics = await call(`${sys.url}/metrics`);
        expect(metrics.status).toBe(200);
        expect(counter(metrics.text, 'score')).toBe(n);
        expect(counter(metrics.text, 'metrics')).toBe(k - 1);
      }
      // The scoring core's metrics too: every row looked up, in whichever worker.
      const rows = (await call(`${sys.url}/metrics`)).text.matchAll(
        /^modelfn_cache_rows_total\{model="mnist",result="(?:hit|miss)"\} (\d+)$/gm,
      );
      expect([...rows].reduce((sum, m) => sum + Number(m[1]), 0)).toBe(n);

      expect(await sys.stop('SIGTERM')).toBe(0);
      expect(await gone([...workers, redisPid])).toEqual([]);
      expect(await isPortOpen(sys.ports.http)).toBe(false);
    },
  );

  it('workers exit when the primary dies', { timeout: 300_000 }, async () => {
    // The in-process cache: a killed primary would leave a redis-server it spawned behind.
    const sys = await startSystem(undefined, { LOCAL_HOST_WORKERS: '2', CACHE_MODE: 'memory' });
    started.push(sys);
    const workers = workerPids(sys);
    pids.push(...workers);
    expect((await call(`${sys.url}/score`, digit7)).text).toBe('[7]');
    // The primary alone (sys.stop('SIGKILL') takes the whole group).
    process.kill(sys.child.pid!, 'SIGKILL');
    expect(await gone(workers)).toEqual([]);
  });

  it('a crashed worker is logged and replaced (issue 30 item 6)', async () => {
    const sys = await startSystem(undefined, {
      LOCAL_HOST_WORKERS: '2',
      CACHE_MODE: 'memory',
      LOG_LEVEL: 'info',
    });
    started.push(sys);
    const workers = workerPids(sys);
    pids.push(...workers);
    process.kill(workers[0], 'SIGKILL');
    // Before: no log line, no new worker; capacity halved for good, and with both killed the port closed.
    expect(await eventually(() => sys.output().includes('an HTTP worker exited: starting another'))).toBe(
      true,
    );
    expect(sys.output()).toContain(`"workerPid":${workers[0]}`);
    const replacement = () =>
      [...sys.output().matchAll(/"pid":(\d+)[^\n]*"msg":"local HTTP host listening"/g)]
        .map((m) => Number(m[1]))
        .find((pid) => !workers.includes(pid));
    expect(await eventually(() => replacement() !== undefined, 60_000)).toBe(true);
    pids.push(replacement()!);
    expect(alive(replacement()!)).toBe(true);
    // Both original workers gone: the port still answers, from the replacement and its sibling's successor.
    process.kill(workers[1], 'SIGKILL');
    expect(await gone([workers[1]])).toEqual([]);
    for (let k = 0; k < 4; k++) expect((await callAfterReset(`${sys.url}/score`, digit7)).text).toBe('[7]');
    expect(await sys.stop('SIGTERM')).toBe(0);
  }, 300_000);

  it('workers that keep crashing stop the host with a non-zero exit and the reason (issue 30 item 6)', async () => {
    const sys = await startSystem(undefined, { LOCAL_HOST_WORKERS: '2', LOG_LEVEL: 'info' });
    started.push(sys);
    const redisPid = Number(/redis-server pid (\d+)/.exec(sys.output())?.[1]);
    const host = sys.child.pid!;
    const exited = new Promise<number | null>((ok) => sys.child.once('exit', (code) => ok(code)));
    let stillRunning = true;
    void exited.then(() => (stillRunning = false));
    // Every HTTP worker is killed as soon as it shows up, as a worker that dies while starting would be.
    while (stillRunning) {
      for (const p of processes())
        if (p.ppid === host && isHostProcess(p)) {
          pids.push(p.pid);
          process.kill(p.pid, 'SIGKILL');
        }
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await exited).toBe(1);
    expect(sys.output()).toContain('HTTP_WORKERS_CRASHING');
    expect(sys.output()).toContain('HTTP workers keep crashing: stopping the local host');
    // It stopped what it had started on the way out.
    expect(await gone([redisPid])).toEqual([]);
    expect(await isPortOpen(sys.ports.redis)).toBe(false);
  }, 300_000);
});
