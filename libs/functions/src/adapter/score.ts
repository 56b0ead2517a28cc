import type { ManyItem, Scorer } from '@modelfn/scoring';
import { answerPermanent, type Failure } from './failure.js';
import type { ScoreResult } from './score-result.js';
import type { TriggerRequest } from './trigger-request.js';

/**
 * The one path from a trigger to the core: a model with an entry script gets the raw request through its
 * `run`; any other model gets the payload decoded and scored (cache-aside, batching). Throws what the core
 * throws; `classifyFailure` says what it means for the trigger.
 */
export async function scoreRequest(scorer: Scorer, req: TriggerRequest): Promise<ScoreResult> {
  if (scorer.hasEntryScript(req)) return { entry: await scorer.runEntry(entryParts(req)) };
  const { payload } = req;
  const outputs =
    'object' in payload
      ? await scorer.scoreObject(payload.object, req)
      : await scorer.score({
          ...payload,
          model: req.model,
          version: req.version,
          bypassCache: req.bypassCache,
        });
  return { outputs };
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
  const scripted: Promise<ScoreResult | Failure>[] = [];
  const plain: { req: TriggerRequest; at: number }[] = [];
  const out = new Array<ScoreResult | Failure>(reqs.length);
  reqs.forEach((req, at) => {
    let entry = false;
    try {
      entry = scorer.hasEntryScript(req);
    } catch {
      // An unknown model: decoding it says so, in the same words as for any other request.
    }
    if (entry)
      scripted.push(
        scorer.runEntry(entryParts(req)).then(
          (answer) => (out[at] = { entry: answer }),
          (e: unknown) => (out[at] = answerPermanent(e)),
        ),
      );
    else plain.push({ req, at });
  });
  const [outcomes] = await Promise.all([
    scorer.scoreMany(plain.map(({ req }) => manyItem(req))),
    ...scripted,
  ]);
  outcomes.forEach((o, j) => {
    out[plain[j].at] = 'result' in o ? { outputs: o.result } : answerPermanent(o.error);
  });
  return out;
}

function manyItem(req: TriggerRequest): ManyItem {
  return { ...req.payload, model: req.model, version: req.version };
}

/** An entry script reads the body as bytes; JSON the host parsed is written back once, here only. */
function entryParts(req: TriggerRequest) {
  const { payload } = req;
  const bytes =
    'object' in payload
      ? { body: Buffer.from(JSON.stringify(payload.object)), contentType: 'application/json' }
      : payload;
  return {
    trigger: req.trigger,
    ...bytes,
    headers: req.headers,
    properties: req.properties,
    blobName: req.blobName,
    model: req.model,
    version: req.version,
    bypassCache: req.bypassCache,
  };
}
