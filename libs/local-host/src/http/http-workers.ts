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
  /** Told of every worker that exits after start-up, and whether another is being started in its place. */
  onWorkerExit?: (exit: WorkerExit) => void;
  /** Told of each worker's exit once close() has asked them to drain: how it ended (a signal means it died). */
  onWorkerStopped?: (exit: Omit<WorkerExit, 'restarting'>) => void;
  /**
   * Called once workers have crashed `crashLimit` times within `crashWindowMs` (a worker that dies as it
   * starts, again and again): no more are started, and the caller should stop rather than serve with part
   * of its HTTP capacity, or none.
   */
  onGiveUp?: (e: Error) => void;
  /** Default 5 crashes within 60 s. */
  crashLimit?: number;
  crashWindowMs?: number;
  /** How long close() waits for a worker to drain and exit before it is killed. Default 8 s. */
  closeTimeoutMs?: number;
}

export interface WorkerExit {
  pid: number | undefined;
  code: number | null;
  signal: string | null;
  restarting: boolean;
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
  let host: RunningHttpHost | undefined;
  // Listening from the start: a worker still warming up (a replacement, say) when the primary stops has no
  // request in flight and exits at once rather than being killed at the primary's close timeout.
  process.on('message', (m: unknown) => {
    if (m !== SHUTDOWN) return;
    if (host) void host.close().finally(() => process.exit(0));
    else process.exit(0);
  });
  try {
    host = await opts.start(() => process.send?.({ kind: 'modelfn:serving' } satisfies WorkerMessage));
  } catch (e) {
    process.send?.({ kind: 'modelfn:failed', error: (e as Error).message } satisfies WorkerMessage);
    throw e;
  }
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
  let started = false;
  let gaveUp = false;
  const crashes: number[] = [];
  const crashLimit = opts.crashLimit ?? 5;
  const crashWindowMs = opts.crashWindowMs ?? 60_000;
  if (opts.exec !== undefined)
    cluster.setupPrimary({ exec: opts.exec, ...(opts.execArgv ? { execArgv: opts.execArgv } : {}) });
  // Workers go with their primary. One that exits without close() (stopped while its workers still start,
  // or a crash) would leave each worker to notice its lost channel: a worker busy loading its modules does
  // a second or so later (measured in the bench's cold-start rows), one that is blocked never.
  const orphaned = (): void => {
    for (const w of workers) if (!w.isDead()) w.process.kill('SIGTERM');
  };
  process.once('exit', orphaned);

  /** After start-up: replace a dead worker, unless they keep dying. */
  const replace = (dead: Worker, code: number | null, signal: string | null): void => {
    workers.splice(workers.indexOf(dead), 1);
    listening.delete(dead.id);
    const now = Date.now();
    crashes.push(now);
    while (crashes.length > 0 && crashes[0] < now - crashWindowMs) crashes.shift();
    const restarting = !gaveUp && crashes.length < crashLimit;
    opts.onWorkerExit?.({ pid: dead.process.pid, code, signal, restarting });
    if (restarting) return void fork(() => undefined);
    if (gaveUp) return;
    gaveUp = true;
    opts.onGiveUp?.(
      new Error(
        `HTTP_WORKERS_CRASHING: ${crashes.length} HTTP worker exits within ${crashWindowMs} ms ` +
          `(the last: ${code ?? signal}); see the log lines above for why they died`,
      ),
    );
  };

  const fork = (onEvent: (w: Worker, m: WorkerMessage | { kind: 'exit'; why: string }) => void): void => {
    const w = cluster.fork();
    workers.push(w);
    w.on('message', (m: unknown) => {
      if (!isWorkerMessage(m)) return;
      if (m.kind === 'modelfn:listening') listening.set(w.id, m);
      onEvent(w, m);
    });
    w.on('exit', (code, signal) => {
      if (closing) return;
      if (started) return replace(w, code, signal);
      onEvent(w, { kind: 'exit', why: String(code ?? signal) });
    });
  };

  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`HTTP workers did not all listen within ${opts.startTimeoutMs ?? 60_000} ms`)),
      opts.startTimeoutMs ?? 60_000,
    );
    // One worker at a time: the first starts on an otherwise idle machine and answers sooner, and each
    // next one is forked once the one before serves. Forked together on 2 cores, the first answer came
    // ~1.05 s after the fork, against ~0.73 s for a worker starting alone.
    const forkNext = (): void => {
      let next = false;
      const forkAfter = () => {
        if (next || closing || workers.length >= opts.workers) return;
        next = true;
        forkNext();
      };
      fork((_w, m) => {
        if (m.kind === 'modelfn:serving') return forkAfter();
        if (m.kind === 'modelfn:failed' || m.kind === 'exit') {
          clearTimeout(timer);
          reject(
            new Error(
              m.kind === 'exit'
                ? `an HTTP worker exited (${m.why})`
                : `an HTTP worker could not start: ${m.error}`,
            ),
          );
          return;
        }
        if (listening.size === opts.workers) {
          clearTimeout(timer);
          resolve();
        } else forkAfter();
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
            w.once('exit', (code, signal) => {
              opts.onWorkerStopped?.({ pid: w.process.pid, code, signal });
              resolve();
            });
            // A worker that does not finish its in-flight requests in time is killed.
            const kill = setTimeout(() => w.kill('SIGKILL'), opts.closeTimeoutMs ?? 8_000);
            w.once('exit', () => clearTimeout(kill));
            if (w.isConnected()) w.send(SHUTDOWN);
            else w.kill('SIGTERM');
          }),
      ),
    );
    process.off('exit', orphaned);
  };
  try {
    await ready;
  } catch (e) {
    await stopAll();
    throw e;
  }
  started = true;
  const first = listening.values().next().value!;
  let closed: Promise<void> | undefined;
  return {
    name: 'http',
    url: first.url,
    port: first.port,
    host: first.host,
    routes: first.routes,
    get pids() {
      return workers.filter((w) => !w.isDead()).map((w) => w.process.pid!);
    },
    describe: () => [
      ...first.routes.map((r) => `${r.methods.join(',').padEnd(8)} ${first.url}${r.path}`),
      `(${opts.workers} worker processes: LOCAL_HOST_WORKERS)`,
    ],
    close: () => (closed ??= stopAll()),
  };
}
