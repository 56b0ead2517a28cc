import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { get } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { describe, expect, it, onTestFinished } from 'vitest';
import { findFreePort } from '@modelfn/dev-processes';
import { httpWorkersFromEnv, startHttpHost, startHttpWorkers } from '../src/index.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/workers-main.ts', import.meta.url));
const EXITING_PRIMARY = fileURLToPath(new URL('./fixtures/exiting-primary.ts', import.meta.url));

/** Whether a process still runs (a zombie, exited but not yet reaped, does not). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}

interface WorkerInfo {
  pid: number;
  /** When the worker's process started, and when it called `serving` (ms since the epoch). */
  startedAt: number;
  servingAt: number;
}

/** GET on a connection of its own (no agent, no keep-alive), so cluster hands it to the next worker. */
function workerOnNewConnection(url: string): Promise<WorkerInfo> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve(JSON.parse(text) as WorkerInfo));
    }).on('error', reject);
  });
}

describe('LOCAL_HOST_WORKERS', () => {
  it('reads two by default (one on a single core) and refuses anything but a small positive integer', () => {
    expect(httpWorkersFromEnv({})).toBe(Math.min(2, availableParallelism()));
    expect(httpWorkersFromEnv({ LOCAL_HOST_WORKERS: '2' })).toBe(2);
    for (const bad of ['0', '-1', '1.5', 'two', '65']) {
      expect(() => httpWorkersFromEnv({ LOCAL_HOST_WORKERS: bad })).toThrow(/LOCAL_HOST_WORKERS/);
    }
  });

  it('with one worker, serves from this process', async () => {
    const running = await startHttpWorkers({
      workers: 1,
      start: () =>
        startHttpHost({ functions: [], port: 0, routePrefix: '', logger: pino({ level: 'silent' }) }),
    });
    expect(running.pids).toEqual([process.pid]);
    await running.close();
  });

  // Two tsx processes start one after the other: on a loaded 2-core machine that can take more than the
  // 30 s a test gets by default. The limit is for a start-up that never ends (the fixture's workers would
  // wait for ever if the second were forked too late), beyond startHttpWorkers' own 60 s.
  it('with two, forks workers that share one port and stop on close()', { timeout: 120_000 }, async () => {
    const port = await findFreePort();
    const dir = mkdtempSync(join(tmpdir(), 'http-workers-'));
    process.env.FIXTURE_PORT = String(port);
    process.env.FIXTURE_DIR = dir;
    // Each worker reports that it listens only once both have started (models warming up till then).
    process.env.FIXTURE_WORKERS = '2';
    const started = Date.now();
    const stopped: { pid: number | undefined; code: number | null; signal: string | null }[] = [];
    const running = await startHttpWorkers({
      workers: 2,
      start: () => Promise.reject(new Error('the primary does not serve')),
      exec: FIXTURE,
      execArgv: ['--import', 'tsx'],
      onWorkerStopped: (exit) => stopped.push(exit),
    });
    const pids = [...running.pids];
    try {
      expect(running.port).toBe(port);
      expect(pids).toHaveLength(2);
      // New connections are spread over the workers (cluster's round robin).
      const seen = new Map<number, WorkerInfo>();
      for (let i = 0; i < 20 && seen.size < 2; i++) {
        const w = await workerOnNewConnection(`${running.url}/pid`);
        seen.set(w.pid, w);
      }
      expect([...seen.keys()].sort()).toEqual([...pids].sort());
      // One after another: the second process starts once the first serves, so the first has the machine
      // to itself while it starts; and not once the first is ready, or the first (which reports ready only
      // after the second started) would never have been, and startHttpWorkers would have failed.
      const [first, second] = [...seen.values()].sort((a, b) => a.startedAt - b.startedAt);
      expect(first.startedAt).toBeGreaterThanOrEqual(started - 50);
      expect(second.startedAt).toBeGreaterThanOrEqual(first.servingAt);
    } finally {
      await running.close();
      for (const key of ['FIXTURE_PORT', 'FIXTURE_DIR', 'FIXTURE_WORKERS']) delete process.env[key];
      rmSync(dir, { recursive: true, force: true });
    }
    // Both drained and exited by themselves: none killed at close()'s timeout.
    expect(stopped.map((s) => s.pid).sort()).toEqual([...pids].sort());
    expect(stopped.map(({ code, signal }) => ({ code, signal }))).toEqual([
      { code: 0, signal: null },
      { code: 0, signal: null },
    ]);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  });

  // The bound is the test's own timeout: without the primary's signal, the blocked worker runs for ever.
  it('ends its workers when the primary exits while they still start', { timeout: 60_000 }, async () => {
    const primary = spawn(process.execPath, ['--import', 'tsx', EXITING_PRIMARY], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let worker = 0;
    // Also when the test times out (the failure this test is for): no blocked worker is left behind.
    onTestFinished(() => {
      if (worker && running(worker)) process.kill(worker, 'SIGKILL');
      if (primary.exitCode === null) primary.kill('SIGKILL');
    });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      primary.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /blocked (\d+)/.exec(out);
        if (m) {
          worker = Number(m[1]);
          resolve();
        }
      });
      primary.once('exit', (code) =>
        reject(new Error(`the primary exited (${code}) before its worker blocked`)),
      );
    });
    const exited = new Promise((resolve) => primary.once('exit', resolve));
    primary.kill('SIGTERM');
    expect(await exited).toBe(0);
    while (running(worker)) await sleep(20);
  });
});
