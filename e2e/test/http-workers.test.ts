import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { resolve } from 'node:path';
import { isPortOpen } from '@modelfn/dev-processes';
import { afterAll, describe, expect, it } from 'vitest';
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

/** A zombie (exited, not yet reaped) counts as gone. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function gone(pids: number[], timeoutMs = 5_000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return pids.filter(alive);
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

  it('scores in two worker processes, /metrics sums both, SIGTERM stops them all', async () => {
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
  });

  it('workers exit when the primary dies', async () => {
    // The in-process cache: a killed primary would leave a redis-server it spawned behind.
    const sys = await startSystem(undefined, { LOCAL_HOST_WORKERS: '2', CACHE_MODE: 'memory' });
    started.push(sys);
    const workers = workerPids(sys);
    pids.push(...workers);
    expect((await call(`${sys.url}/score`, digit7)).text).toBe('[7]');
    await sys.stop('SIGKILL');
    expect(await gone(workers)).toEqual([]);
  });
});
