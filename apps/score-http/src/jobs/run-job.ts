import type { InvocationContext } from '@azure/functions';
import {
  answeredBy,
  binaryAnswer,
  imageHttpAnswer,
  classifyFailure,
  reportFields,
  reportOutcome,
  reportScored,
  scoreAnswer,
  scoreRequest,
} from '@modelfn/functions';
import type { JobBudget, Scorer } from '@modelfn/scoring';
import { errorResponse, type AppResponse } from '../respond.js';
import { jobIdOf, requestOf } from './job-envelope.js';
import type { JobStore } from './job-store.js';
import { storedAnswer } from './stored-answer.js';

/**
 * Tries of one job before its failure is its answer. host.json's `extensions.queues.maxDequeueCount` is the
 * same number (a test checks): the last try answers rather than throws, so no job ends in the poison queue
 * with a status URL saying "running" for ever.
 */
export const JOB_MAX_TRIES = 5;

/**
 * The job function (Storage Queue trigger): scores a request POST /score accepted with 202, through the
 * same adapter and renderers as POST /score, within the model's `job_timeout_ms` capped by `budget` (the
 * app's functionTimeout less the time to write the answer), and writes the answer the status URL gives. A
 * permanent failure, a TIMEOUT (running a long document again would time out again) or the last try's
 * transient failure is written as the answer; an earlier transient failure throws, for the host to retry.
 */
export function runJobHandler(scorer: () => Promise<Scorer>, jobs: () => JobStore, budget: JobBudget = {}) {
  return async (entry: unknown, context: InvocationContext): Promise<void> => {
    const id = jobIdOf(entry);
    const store = jobs();
    reportFields(context, { jobId: id });
    // A message delivered again after its answer was written (the host stopped before deleting it).
    if (await store.answer(id)) return;
    const job = await store.request(id);
    if (!job) {
      context.warn(`job ${id}: no request is stored (removed?); nothing to do`);
      reportOutcome(context, 'rejected', `job ${id} has no stored request`);
      return;
    }
    let response: AppResponse;
    try {
      // A job's bound is its model's job_timeout_ms (within functionTimeout), not the request's timeout_ms.
      const request = { ...requestOf(job.envelope, job.body), job: budget };
      const result = await scoreRequest(await scorer(), request);
      const { model, version, cache } = answeredBy(result);
      reportScored(context, model, cache, version);
      const { render } = job.envelope;
      // The request kept its image wish (Accept: image/*): its answer is the image.
      const answer =
        'image' in result && result.image
          ? imageHttpAnswer(result)
          : render.binary
            ? binaryAnswer(result)
            : scoreAnswer(result, render.options);
      response = { ...answer, headers: { ...answer.headers, ...(cache ? { 'x-cache': cache } : {}) } };
    } catch (e) {
      const failure = classifyFailure(e);
      const tries = Number(context.triggerMetadata?.dequeueCount ?? 1);
      const last = failure.error.code === 'TIMEOUT' || tries >= JOB_MAX_TRIES;
      if (failure.kind === 'transient' && !last) throw failure.error;
      reportOutcome(context, 'rejected', `${failure.error.code} ${failure.error.message}`);
      response = errorResponse(failure.error, id).response;
    }
    await store.finish(id, storedAnswer(response));
  };
}
