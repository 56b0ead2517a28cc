import { availableParallelism } from 'node:os';
import { get } from 'node:http';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { findFreePort } from '@modelfn/dev-processes';
import { httpWorkersFromEnv, startHttpHost, startHttpWorkers } from '../src/index.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/workers-main.ts', import.meta.url));

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

  it('with two, forks workers that share one port and stop on close()', async () => {
    const port = await findFreePort();
    process.env.FIXTURE_PORT = String(port);
    // Each worker reports that it listens this long after it serves (models warming up).
    process.env.FIXTURE_SETTLE_MS = '1500';
    const started = Date.now();
    const running = await startHttpWorkers({
      workers: 2,
      start: () => Promise.reject(new Error('the primary does not serve')),
      exec: FIXTURE,
      execArgv: ['--import', 'tsx'],
    });
    try {
      expect(running.port).toBe(port);
      expect(running.pids).toHaveLength(2);
      // New connections are spread over the workers (cluster's round robin).
      const seen = new Map<number, WorkerInfo>();
      for (let i = 0; i < 20 && seen.size < 2; i++) {
        const w = await workerOnNewConnection(`${running.url}/pid`);
        seen.set(w.pid, w);
      }
      expect([...seen.keys()].sort()).toEqual([...running.pids].sort());
      // One after another: the second process starts once the first serves, not once it is ready
      // (1.5 s later), so the first has the machine to itself while it starts.
      const [first, second] = [...seen.values()].sort((a, b) => a.startedAt - b.startedAt);
      expect(first.startedAt).toBeGreaterThanOrEqual(started - 50);
      expect(second.startedAt).toBeGreaterThanOrEqual(first.servingAt);
      expect(second.startedAt).toBeLessThan(first.servingAt + 1500);
    } finally {
      await running.close();
      delete process.env.FIXTURE_SETTLE_MS;
    }
    for (const pid of running.pids) expect(() => process.kill(pid, 0)).toThrow();
  });
});
