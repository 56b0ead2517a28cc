import { startQueueSource, type QueueSource } from '@modelfn/local-host';
import { hostJsonPath, queueFunctions } from '@modelfn/score-queue';
import type { Logger } from 'pino';
import type { Env } from '@modelfn/settings';
import { invocationHooks } from './observer.js';

/** apps/score-queue's queue function on Azurite's queue service, polled as the Functions host would. */
export function startQueueTrigger(env: Env, log: Logger): Promise<QueueSource> {
  return startQueueSource({
    functions: queueFunctions,
    settings: env,
    hostJsonPath,
    logger: log.child({ source: 'queue' }),
    hooks: invocationHooks(log),
  });
}
