import type { Answer, ManyOutcome, Scorer, TriggerInferRequest } from '@modelfn/scoring';
import { answerPermanent, timeoutAsTrigger, type Failure } from './failure.js';
import { modelTimeout, withinTimeout } from './model-timeout.js';
import type { ScoreResult } from './score-result.js';
import type { TriggerRequest } from './trigger-request.js';

/**
 * The one path from a trigger to the core: `scorer.infer` gives a model with an entry script the raw
 * request through its `run`, and any other model the payload decoded and scored (cache-aside, batching).
 * Bounded by the model's `timeout_ms` (TIMEOUT, 504), or its `job_timeout_ms` for a request run as a job.
 * Throws what the core throws; `classifyFailure` says what it means for the trigger (a TIMEOUT is answered
 * for a message, see timeoutAsTrigger).
 */
export async function scoreRequest(scorer: Scorer, req: TriggerRequest): Promise<ScoreResult> {
  const { model, ms, setting } = modelTimeout(scorer, req);
  try {
    return resultOf(await withinTimeout(scorer.infer(inferRequest(req)), model, ms, setting));
  } catch (e) {
    throw timeoutAsTrigger(req.trigger, e);
  }
}

/**
 * Whether the request's model asks for it to be answered later (HTTP 202 and a status URL): its entry
 * script's `respondAsync` (see the core's Scorer.respondsAsync). Throws what the script refuses the request
 * with, as scoring it would.
 */
export function respondsAsync(scorer: Scorer, req: TriggerRequest): Promise<boolean> {
  return scorer.respondsAsync(inferRequest(req));
}

/**
 * Many requests at once (a batch of messages): requests for plain models share one inference per model
 * version and row shape; those for entry scripts run through their scripts side by side, each on its own
 * deadline, so a model that hangs costs its own requests a TIMEOUT and the batch's others their answers.
 * A request that fails permanently is answered alone with its failure; a transient failure of any is
 * thrown, for the whole batch to be retried.
 */
export async function scoreRequests(
  scorer: Scorer,
  reqs: readonly TriggerRequest[],
): Promise<(ScoreResult | Failure)[]> {
  const out = new Array<ScoreResult | Failure>(reqs.length);
  const plain: number[] = [];
  const scripted: Promise<void>[] = [];
  let transient: unknown;
  const settle = (at: number, e: unknown) => {
    try {
      out[at] = answerPermanent(timeoutAsTrigger(reqs[at].trigger, e));
    } catch (t) {
      transient ??= t;
    }
  };
  reqs.forEach((req, at) => {
    if (!hasEntryScript(scorer, req)) return void plain.push(at);
    scripted.push(
      scoreRequest(scorer, req).then(
        (r) => void (out[at] = r),
        (e: unknown) => settle(at, e),
      ),
    );
  });
  await Promise.all([scorePlain(scorer, reqs, plain, out, settle), ...scripted]);
  if (transient !== undefined) throw transient;
  return out;
}

/** The plain requests of a batch, in one inferMany, within the longest `timeout_ms` among their models. */
async function scorePlain(
  scorer: Scorer,
  reqs: readonly TriggerRequest[],
  plain: number[],
  out: (ScoreResult | Failure)[],
  settle: (at: number, e: unknown) => void,
): Promise<void> {
  if (plain.length === 0) return;
  const limits = plain.map((at) => modelTimeout(scorer, reqs[at]));
  const longest = limits.reduce((a, b) => (b.ms > a.ms ? b : a));
  let outcomes: ManyOutcome[];
  try {
    outcomes = await withinTimeout(
      scorer.inferMany(plain.map((at) => inferRequest(reqs[at]))),
      longest.model,
      longest.ms,
    );
  } catch (e) {
    for (const at of plain) settle(at, e);
    return;
  }
  outcomes.forEach((o, j) => {
    if ('error' in o) settle(plain[j], o.error);
    else out[plain[j]] = resultOf(o);
  });
}

function hasEntryScript(scorer: Scorer, req: TriggerRequest): boolean {
  try {
    return scorer.hasEntryScript(req);
  } catch {
    // An unknown model: decoding it says so, in the same words as for any other request.
    return false;
  }
}

function resultOf(answer: Answer): ScoreResult {
  if (!('outputs' in answer)) return { entry: answer };
  return answer.image ? { outputs: answer, image: answer.image } : { outputs: answer };
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
    outputs: req.outputs,
    image: req.image,
    job: req.job,
  };
}
