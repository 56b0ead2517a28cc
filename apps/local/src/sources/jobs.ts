import { startQueueSource, type QueueSource } from '@modelfn/local-host';
import { hostJsonPath, jobFunctions } from '@modelfn/score-http';
import type { Logger } from 'pino';
import type { Env } from '@modelfn/settings';
import { invocationHooks } from './observer.js';

/**
 * apps/score-http's job function (requests POST /score answered 202) on Azurite's queue service, in this
 * process beside the other triggers: HTTP workers only accept jobs and answer their status.
 */
export function startJobTrigger(env: Env, log: Logger): Promise<QueueSource> {
  return startQueueSource({
    functions: jobFunctions,
    settings: env,
    hostJsonPath,
    logger: log.child({ source: 'jobs' }),
    hooks: invocationHooks(log),
  });
}
