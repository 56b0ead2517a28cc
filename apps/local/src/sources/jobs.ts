import { startQueueSource, type QueueSource } from '@modelfn/local-host';
import { hostJsonPath, jobFunctions, jobTimeoutProblems } from '@modelfn/score-http';
import { sharedScorer } from '@modelfn/scoring';
import type { Logger } from 'pino';
import type { Env } from '@modelfn/settings';
import { invocationHooks } from './observer.js';

/**
 * apps/score-http's job function (requests POST /score answered 202) on Azurite's queue service, in this
 * process beside the other triggers: HTTP workers only accept jobs and answer their status.
 */
export function startJobTrigger(env: Env, log: Logger): Promise<QueueSource> {
  // Once the models settled, as the Azure entry point does: a job_timeout_ms over functionTimeout is said.
  sharedScorer()
    .then(async (scorer) => {
      await scorer.modelsSettled();
      for (const problem of jobTimeoutProblems(scorer)) log.warn({ problem }, 'job_timeout_ms');
    })
    .catch(() => undefined); // the host's start reports a scorer that cannot start
  return startQueueSource({
    functions: jobFunctions,
    settings: env,
    hostJsonPath,
    logger: log.child({ source: 'jobs' }),
    hooks: invocationHooks(log),
  });
}
