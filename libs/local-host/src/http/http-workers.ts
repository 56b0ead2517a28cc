import cluster, { type Worker } from 'node:cluster';
import { localHostWorkers, type Env } from '@modelfn/settings';
import type { RouteInfo, RunningHttpHost } from './http-host.js';

/**
 * LOCAL_HOST_WORKERS: how many processes serve HTTP (default: see localHostWorkers). 1 is this process;
 * more fork cluster workers that share the listening port, each with its own scorer (models, cache
 * connection, metrics), so HTTP handling uses more than one core.
 */
export function httpWorkersFromEnv(env: Env = process.env): number {
  return localHostWorkers(env);
}

export interface HttpWorkersOptions {
  workers: number;
  /**
   * Starts the HTTP host: in this process (1 worker) or in each worker. A host that listens before it is
   * fully ready (models still warming up) calls `serving` once it answers: the next worker is forked then,
   * rather than when this one resolves.
   */
  start: (serving: () => void) => Promise<RunningHttpHost>;
  /** How long the primary waits for every worker to listen. Default 60 s. */
  startTimeoutMs?: number;
  /** Script the workers run, and its node options. Default: this process's own (cluster's default). */
  exec?: string;
  execArgv?: string[];
}

export interface RunningHttpWorkers extends RunningHttpHost {
  /** Process ids serving HTTP: this process alone, or the workers. */
  readonly pids: number[];
}

type WorkerMessage =
  | { kind: 'modelfn:serving' }
  | { kind: 'modelfn:listening'; url: string; port: number; host: string; routes: RouteInfo[] }
  | { kind: 'modelfn:failed'; error: string };

const SHUTDOWN = 'modelfn:shutdown';

function isWorkerMessage(m: unknown): m is WorkerMessage {
  return (
    typeof m === 'object' &&
    m !== null &&
    typeof (m as { kind?: unknown }).kind === 'string' &&
    (m as { kind: string }).kind.startsWith('modelfn:')
  );
}

/**
 * Serves HTTP from `workers` processes. Call it from the entry script: in the primary (or with one worker) it
 * returns once every worker listens; cluster workers run the same script, and the same call in them starts
 * the host and reports to the primary. Everything else the script starts (Redis, Azurite, the emulator)
 * must stay behind `cluster.isPrimary`.
 */
export async function startHttpWorkers(opts: HttpWorkersOptions): Promise<RunningHttpWorkers> {
  if (opts.workers <= 1 && cluster.isPrimary) {
    const host = await opts.start(() => undefined);
    return { ...host, pids: [process.pid], describe: host.describe, close: host.close };
  }
  if (cluster.isWorker) return runWorker(opts);
  return runPrimary(opts);
}

async function runWorker(opts: HttpWorkersOptions): Promise<RunningHttpWorkers> {
  let host: RunningHttpHost;
  try {
    host = await opts.start(() => process.send?.({ kind: 'modelfn:serving' } satisfies WorkerMessage));
  } catch (e) {
    process.send?.({ kind: 'modelfn:failed', error: (e as Error).message } satisfies WorkerMessage);
    throw e;
  }
  process.on('message', (m: unknown) => {
    if (m === SHUTDOWN) void host.close().finally(() => process.exit(0));
  });
  process.send?.({
    kind: 'modelfn:listening',
    url: host.url,
    port: host.port,
    host: host.host,
    routes: host.routes,
  } satisfies WorkerMessage);
  return { ...host, pids: [process.pid] };
}

async function runPrimary(opts: HttpWorkersOptions): Promise<RunningHttpWorkers> {
  const workers: Worker[] = [];
  const listening = new Map<number, Extract<WorkerMessage, { kind: 'modelfn:listening' }>>();
  let closing = false;
  if (opts.exec !== undefined)
    cluster.setupPrimary({ exec: opts.exec, ...(opts.execArgv ? { execArgv: opts.execArgv } : {}) });
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`HTTP workers did not all listen within ${opts.startTimeoutMs ?? 60_000} ms`)),
      opts.startTimeoutMs ?? 60_000,
    );
    // One worker at a time: the first starts on an otherwise idle machine and answers sooner, and each
    // next one is forked once the one before serves. Forked together on 2 cores, the first answer came
    // ~1.05 s after the fork, against ~0.73 s for a worker starting alone.
    const forkNext = (): void => {
      const w = cluster.fork();
      workers.push(w);
      let next = false;
      const forkAfter = () => {
        if (next || closing || workers.length >= opts.workers) return;
        next = true;
        forkNext();
      };
      w.on('message', (m: unknown) => {
        if (!isWorkerMessage(m)) return;
        if (m.kind === 'modelfn:serving') return forkAfter();
        if (m.kind === 'modelfn:failed') {
          clearTimeout(timer);
          reject(new Error(`an HTTP worker could not start: ${m.error}`));
          return;
        }
        listening.set(w.id, m);
        if (listening.size === opts.workers) {
          clearTimeout(timer);
          resolve();
        } else forkAfter();
      });
      w.on('exit', (code, signal) => {
        if (closing) return;
        clearTimeout(timer);
        reject(new Error(`an HTTP worker exited (${code ?? signal})`));
      });
    };
    forkNext();
  });
  const stopAll = async () => {
    closing = true;
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.isDead()) return resolve();
            w.once('exit', () => resolve());
            // A worker that does not finish its in-flight requests in time is killed.
            const kill = setTimeout(() => w.kill('SIGKILL'), 10_000);
            w.once('exit', () => clearTimeout(kill));
            if (w.isConnected()) w.send(SHUTDOWN);
            else w.kill('SIGTERM');
          }),
      ),
    );
  };
  try {
    await ready;
  } catch (e) {
    await stopAll();
    throw e;
  }
  const first = listening.values().next().value!;
  let closed: Promise<void> | undefined;
  return {
    name: 'http',
    url: first.url,
    port: first.port,
    host: first.host,
    routes: first.routes,
    pids: workers.map((w) => w.process.pid!),
    describe: () => [
      ...first.routes.map((r) => `${r.methods.join(',').padEnd(8)} ${first.url}${r.path}`),
      `(${opts.workers} worker processes: LOCAL_HOST_WORKERS)`,
    ],
    close: () => (closed ??= stopAll()),
  };
}
