import type { RunningHttpWorkers, RunningSource } from '@modelfn/local-host';
import type { Settings } from '@modelfn/scoring';
import type { Logger } from 'pino';
import type { Env } from '@modelfn/settings';
import { startBlobTrigger } from './blob.js';
import { startHttpWorkersSource } from './http-workers.js';
import { startQueueTrigger } from './queue.js';
import { startServiceBusTrigger } from './servicebus.js';

export interface Sources {
  http: RunningHttpWorkers;
}

/**
 * The trigger sources, each mounting one app's function definitions. Every started source is pushed onto
 * `running` at once, so a later failure still shuts it down. HTTP may be served by LOCAL_HOST_WORKERS
 * cluster workers (closing it stops them); the blob, Service Bus and
 * Storage Queue sources always run in this process.
 */
export async function startSources(
  env: Env,
  settings: Settings,
  log: Logger,
  running: RunningSource[],
): Promise<Sources> {
  const http = await startHttpWorkersSource(env, settings, log);
  running.push(http);
  running.push(await startBlobTrigger(env, log));
  running.push(await startServiceBusTrigger(env, log));
  running.push(await startQueueTrigger(env, log));
  return { http };
}
