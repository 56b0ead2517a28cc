import type { Answer, ManyOutcome, Scorer, TriggerInferRequest } from '@modelfn/scoring';
import { answerPermanent, type Failure } from './failure.js';
import type { ScoreResult } from './score-result.js';
import type { TriggerRequest } from './trigger-request.js';

/**
 * The one path from a trigger to the core: `scorer.infer` gives a model with an entry script the raw
 * request through its `run`, and any other model the payload decoded and scored (cache-aside, batching).
 * Throws what the core throws; `classifyFailure` says what it means for the trigger.
 */
export async function scoreRequest(scorer: Scorer, req: TriggerRequest): Promise<ScoreResult> {
  return resultOf(await scorer.infer(inferRequest(req)));
}

/**
 * Many requests at once (a batch of messages): requests for plain models share one inference per model
 * version and row shape; those for entry scripts run through their scripts side by side. A request that
 * fails permanently is answered alone with its failure; a transient failure of any is thrown, for the whole
 * batch to be retried.
 */
export async function scoreRequests(
  scorer: Scorer,
  reqs: readonly TriggerRequest[],
): Promise<(ScoreResult | Failure)[]> {
  const outcomes = await scorer.inferMany(reqs.map(inferRequest));
  return outcomes.map((o: ManyOutcome) => ('error' in o ? answerPermanent(o.error) : resultOf(o)));
}

function resultOf(answer: Answer): ScoreResult {
  return 'outputs' in answer ? { outputs: answer } : { entry: answer };
}

function inferRequest(req: TriggerRequest): TriggerInferRequest {
  return {
    ...req.payload,
    trigger: req.trigger,
    headers: req.headers,
    properties: req.properties,
    blobName: req.blobName,
    model: req.model,
    version: req.version,
    bypassCache: req.bypassCache,
  };
}
