import type { Logger } from 'pino';

export interface Closable {
  name: string;
  close(): Promise<void>;
  /** How long its close() may take before shutdown moves on. Default STEP_TIMEOUT_MS. */
  stopWithinMs?: number;
}

/** No single step may hold shutdown hostage (a cache client waiting for a Redis that is already gone). */
const STEP_TIMEOUT_MS = 5_000;
/** The HTTP source: its 5 s grace period for in-flight requests, then each worker's scorer. */
export const HTTP_STOP_WITHIN_MS = 7_000;
/**
 * The whole stop, signal to exit: process managers give 10 s before SIGKILL (docker stop, Kubernetes' 30 s
 * less what the pod needs). Past it the host exits 1, and its child processes die with it (see killOnExit).
 */
export const SHUTDOWN_DEADLINE_MS = 9_500;
/**
 * A signal this soon after the first is the same request delivered twice (Ctrl-C reaches the whole
 * foreground group, and npm forwards its own copy); a later one is someone insisting: exit at once.
 */
const REPEAT_WINDOW_MS = 1_000;
/** How often the host checks that whoever started it (npm, a shell) is still there. */
const PARENT_CHECK_MS = 250;

async function closeOne(c: Closable, log: Logger): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const limit = c.stopWithinMs ?? STEP_TIMEOUT_MS;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not stop within ${limit} ms`)), limit);
  });
  try {
    await Promise.race([c.close(), timeout]);
    return true;
  } catch (e) {
    log.error({ err: e }, `${c.name} did not stop cleanly`);
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/** Closes in reverse start order: sources stop taking work before the services they use go away. */
export async function closeAll(running: Closable[], log: Logger): Promise<boolean> {
  let clean = true;
  for (const c of [...running].reverse()) clean = (await closeOne(c, log)) && clean;
  return clean;
}

/**
 * Closes independent parts at the same time (the trigger sources: each drains its own work, and one that takes
 * its whole grace period must not delay the others' past the deadline). Throws if any did not stop cleanly.
 */
export async function closeTogether(parts: Closable[], log: Logger): Promise<void> {
  const clean = await Promise.all(parts.map((p) => closeOne(p, log)));
  if (clean.includes(false)) throw new Error('a trigger source did not stop cleanly');
}

export interface Stopper {
  /** Stops everything and exits: 0 if every step was clean and `code` is 0, else 1 (or `code`). */
  stop(reason: string, code?: number): void;
}

/**
 * SIGINT (Ctrl-C), SIGTERM and SIGHUP shut everything down, HTTP cluster workers included (closing the HTTP
 * source stops them), then exit 0 (1 if a step failed or the deadline passed). So does the death of the
 * process that started the host: `npm start` runs it under `sh -c`, and `kill <pid of npm>` (what a
 * process manager does) ends npm and that shell but never reaches the host, which was then left running,
 * orphaned, holding its ports. The host is the process the signal reaches (`node --import tsx`, no tsx CLI
 * relaying signals and SIGKILLing a child that does not exit at once).
 */
export function exitOnSignals(running: Closable[], log: Logger): Stopper {
  let stoppingSince: number | undefined;
  const parent = process.ppid;
  const stop = (reason: string, code = 0) => {
    if (stoppingSince !== undefined) {
      if (Date.now() - stoppingSince < REPEAT_WINDOW_MS) return;
      log.warn({ reason }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    stoppingSince = Date.now();
    clearInterval(watch);
    log.info({ signal: reason }, 'shutting down');
    const deadline = setTimeout(() => {
      log.error(`did not stop within ${SHUTDOWN_DEADLINE_MS} ms: exiting anyway`);
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    void closeAll(running, log).then((clean) => {
      clearTimeout(deadline);
      log.info(clean ? 'stopped' : 'stopped, not cleanly');
      process.exit(code !== 0 ? code : clean ? 0 : 1);
    });
  };
  // Not `process.on(signal, stop)`: Node passes the signal's number too, which would become the exit code.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stop(signal));
  // process.ppid is read anew each time: it changes once the parent is gone and the host is reparented.
  const watch = setInterval(() => {
    if (process.ppid !== parent) stop('parent-exited');
  }, PARENT_CHECK_MS);
  watch.unref();
  return { stop };
}
