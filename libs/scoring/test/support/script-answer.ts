import type { EntryResult } from '../../src/entry-script/types.js';
import type { TriggerInferRequest } from '../../src/infer-request.js';
import type { Scorer } from '../../src/scorer.js';

/** A trigger's request through `infer`, for a model that must answer through its entry script. */
export async function scriptAnswer(scorer: Scorer, req: TriggerInferRequest): Promise<EntryResult> {
  const answer = await scorer.infer(req);
  if ('outputs' in answer) throw new Error(`model "${answer.model.name}" answered without its entry script`);
  return answer;
}
