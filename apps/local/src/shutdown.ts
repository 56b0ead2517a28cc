import type { Logger } from 'pino';

export interface Closable {
  name: string;
  close(): Promise<void>;
}

/** No single step may hold shutdown hostage (a cache client waiting for a Redis that is already gone). */
const STEP_TIMEOUT_MS = 5_000;

async function closeOne(c: Closable, log: Logger): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not stop within ${STEP_TIMEOUT_MS} ms`)), STEP_TIMEOUT_MS);
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
 * SIGINT (Ctrl-C), SIGTERM and SIGHUP shut everything down, HTTP cluster workers included (closing the HTTP
 * source stops them), then exit 0 (1 if a step failed). A second signal exits at once; the child processes
 * still die with us (see killOnExit), and so do the workers (node:cluster ends a worker whose primary is gone).
 */
export function exitOnSignals(running: Closable[], log: Logger): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    void closeAll(running, log).then((clean) => {
      log.info(clean ? 'stopped' : 'stopped, not cleanly');
      process.exit(clean ? 0 : 1);
    });
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, stop);
}
