import type { Label } from '../model/classification.js';
import type { InferenceResult } from '../pipeline/inference-request.js';
import { nestedRow, tensorToNestedJson, type NestedJson } from '../tensor/tensor-to-json.js';
import { classScores, predictedLabels, topClasses } from './classify.js';
import { detections, type DetectedObject } from './detections.js';

export interface PredictionOptions {
  /** Classifiers: `{label, probabilities}` per row instead of the label alone. */
  probabilities?: boolean;
  /** Classifiers: the k best classes per row, `[{label, probability}]`. */
  top?: number;
}

export type Prediction =
  | Label
  | { label: Label; probabilities: number[] }
  | { label: Label; probability: number }[]
  | DetectedObject[]
  | Record<string, NestedJson>;

/** Every output of row `r` by name, nested as its row shape (the whole tensor without a batch dim). */
export function outputsOfRow(result: InferenceResult, r: number): Record<string, NestedJson> {
  const row: Record<string, NestedJson> = {};
  for (const t of result.outputs)
    row[t.name] = result.model.batched ? nestedRow(t, r) : tensorToNestedJson(t);
  return row;
}

/**
 * One item per input row, as `/score`, result blobs and replies answer: a classifier's label (or label
 * and probabilities, or its top k), any other model's outputs by name — a classifier's too when the request
 * selected outputs (it asked for those tensors, not for a label). A detector's rows are its detections
 * (`[{label, score, box}]`, see detections.ts), unless the request selected outputs.
 */
export function predictions(result: InferenceResult, opts: PredictionOptions = {}): Prediction[] {
  if (result.model.detection && !result.selected) return detections(result);
  const c = result.model.classification;
  if (!c || result.selected) return Array.from({ length: result.rows }, (_, r) => outputsOfRow(result, r));
  if (opts.top !== undefined && c.scores !== undefined) {
    return topClasses(result.outputs[c.scores], result.rows, opts.top, c.labels).map((row) =>
      row.map(({ label, probability }) => ({ label, probability })),
    );
  }
  const labels = predictedLabels(result);
  const scores = opts.probabilities ? classScores(result) : undefined;
  if (!scores) return labels;
  return labels.map((label, r) => ({ label, probabilities: scores[r] }));
}
