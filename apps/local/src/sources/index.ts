import type { RunningHttpHost, RunningSource } from '@modelfn/local-host';
import type { Settings } from '@modelfn/scoring';
import type { Logger } from 'pino';
import type { Env } from '../env.js';
import { startBlobTrigger } from './blob.js';
import { startHttpSource } from './http.js';
import { startServiceBusTrigger } from './servicebus.js';

export interface Sources {
  http: RunningHttpHost;
}

/**
 * The trigger sources, each mounting one app's function definitions. Every started source is pushed onto
 * `running` at once, so a later failure still shuts it down.
 */
export async function startSources(
  env: Env,
  settings: Settings,
  log: Logger,
  running: RunningSource[],
): Promise<Sources> {
  const http = await startHttpSource(env, settings, log);
  running.push(http);
  running.push(await startBlobTrigger(env, log));
  running.push(await startServiceBusTrigger(env, log));
  return { http };
}
