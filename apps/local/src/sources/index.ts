import type { RunningHttpWorkers, RunningSource } from '@modelfn/local-host';
import type { Settings } from '@modelfn/scoring';
import type { Logger } from 'pino';
import type { Env } from '@modelfn/settings';
import { closeTogether, HTTP_STOP_WITHIN_MS } from '../shutdown.js';
import { startBlobTrigger } from './blob.js';
import { startHttpWorkersSource } from './http-workers.js';
import { startJobTrigger } from './jobs.js';
import { startQueueTrigger } from './queue.js';
import { startServiceBusTrigger } from './servicebus.js';

export interface Sources {
  http: RunningHttpWorkers;
}

/**
 * The trigger sources, each mounting one app's function definitions. They go onto `running` as one entry,
 * first, so a later failure still shuts down those that started; on shutdown they drain at the same time
 * (HTTP requests up to its grace period, held messages and blob claims settled or released), each within
 * the overall deadline. HTTP may be served by LOCAL_HOST_WORKERS cluster workers (closing it stops them);
 * the blob, Service Bus and Storage Queue sources always run in this process.
 */
export async function startSources(
  env: Env,
  settings: Settings,
  log: Logger,
  running: RunningSource[],
  onWorkersGiveUp: (e: Error) => void,
): Promise<Sources> {
  const sources: RunningSource[] = [];
  const triggers: RunningSource & { stopWithinMs: number } = {
    name: 'triggers',
    describe: () => sources.filter((s) => s.name !== 'http').flatMap((s) => s.describe()),
    close: () => closeTogether(sources, log),
    stopWithinMs: HTTP_STOP_WITHIN_MS,
  };
  running.push(triggers);
  const http = await startHttpWorkersSource(env, settings, log, onWorkersGiveUp);
  sources.push(Object.assign(http, { stopWithinMs: HTTP_STOP_WITHIN_MS }));
  sources.push(await startBlobTrigger(env, log));
  sources.push(await startServiceBusTrigger(env, log));
  sources.push(await startQueueTrigger(env, log));
  sources.push(await startJobTrigger(env, log));
  return { http };
}
