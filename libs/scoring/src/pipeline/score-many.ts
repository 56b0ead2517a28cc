import { toScoringError, type ScoringError } from '../errors.js';
import type { ReadyModel } from '../model/model-version.js';
import { concatRows, sliceRows } from '../tensor/tensor-rows.js';
import type { InferenceRequest, InferenceResult } from './inference-request.js';

export type ItemOutcome = { result: InferenceResult } | { error: ScoringError };

type Infer = (req: InferenceRequest) => Promise<InferenceResult>;

function sliceResult(result: InferenceResult, start: number, rows: number): InferenceResult {
  return { ...result, rows, outputs: result.outputs.map((t) => sliceRows(t, start, rows)) };
}

/** Requests share a run when their row shapes and their selected outputs are alike. */
function groupKey(req: InferenceRequest): string {
  const shapes = req.inputs.map((t) => t.shape.slice(1).join(',')).join(';');
  return req.selected ? `${shapes}|${req.selected.join(',')}` : shapes;
}

/**
 * Scores many decoded requests (a batch of messages) with one inference per model version and row
 * shape. A permanent failure of a group (one row with a bad value) is retried item by item so it fails
 * alone; a transient one is thrown for the caller to retry the whole batch.
 */
export async function scoreMany(requests: InferenceRequest[], infer: Infer): Promise<ItemOutcome[]> {
  const outcomes: ItemOutcome[] = new Array(requests.length);
  const groups = new Map<ReadyModel, Map<string, number[]>>();
  requests.forEach((req, i) => {
    if (!req.model.batched) {
      groups.set(req.model, groups.get(req.model) ?? new Map());
      groups.get(req.model)!.set(`single:${i}`, [i]);
      return;
    }
    const byShape = groups.get(req.model) ?? new Map<string, number[]>();
    groups.set(req.model, byShape);
    const key = groupKey(req);
    byShape.set(key, [...(byShape.get(key) ?? []), i]);
  });
  for (const [model, byShape] of groups) {
    for (const members of byShape.values()) {
      const group = members.map((i) => requests[i]);
      try {
        const rows = group.reduce((n, r) => n + r.rows, 0);
        const inputs =
          group.length === 1
            ? group[0].inputs
            : group[0].inputs.map((_, k) => concatRows(group.map((r) => r.inputs[k])));
        const result = await infer({ model, inputs, rows, selected: group[0].selected });
        let row = 0;
        members.forEach((i, j) => {
          outcomes[i] = { result: group.length === 1 ? result : sliceResult(result, row, group[j].rows) };
          row += group[j].rows;
        });
      } catch (e) {
        const err = toScoringError(e);
        if (!err.permanent) throw err;
        for (const i of members) {
          try {
            outcomes[i] = { result: await infer(requests[i]) };
          } catch (e2) {
            const err2 = toScoringError(e2);
            if (!err2.permanent) throw err2;
            outcomes[i] = { error: err2 };
          }
        }
      }
    }
  }
  return outcomes;
}
