import { readSettings } from '@modelfn/scoring';
import type { Logger } from 'pino';
import type { Env } from '@modelfn/settings';
import { startHttpWorkersSource } from './sources/http-workers.js';

/**
 * What main.ts does in a node:cluster worker (LOCAL_HOST_WORKERS > 1): the HTTP source with a scorer of its
 * own, nothing else. The primary runs the services (their REDIS_URL and connection strings came with the
 * forked environment) and the blob and Service Bus sources, and tells the workers when to stop; if the
 * primary dies, its IPC channel closes and node:cluster ends the worker.
 */
export async function runHttpWorker(env: Env, log: Logger): Promise<void> {
  // Ctrl-C, a closed terminal and `kill -TERM -<pgid>` signal the whole process group: the primary drains and
  // stops the workers (a worker dying on the signal would cut its in-flight requests); a worker whose primary
  // is gone exits when its IPC channel closes.
  for (const signal of ['SIGINT', 'SIGHUP', 'SIGTERM'] as const) process.on(signal, () => undefined);
  try {
    await startHttpWorkersSource(env, readSettings(env), log);
  } catch (e) {
    log.error({ err: e }, 'an HTTP worker could not start');
    process.exit(1);
  }
}
