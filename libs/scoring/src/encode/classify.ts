import type { Label } from '../model/classification.js';
import type { InferenceResult } from '../pipeline/inference-request.js';
import type { Tensor } from '../tensor/tensor.js';
import { fromHalf } from '../tensor/fp16.js';
import { shortestFloat32 } from '../tensor/tensor-to-json.js';

export interface ScoredClass {
  label: Label;
  probability: number;
}

/**
 * Elements of row `r` (all elements for a model without a batch dimension), as the JSON numbers that
 * stand for them (float32 as its shortest round-tripping decimal).
 */
export function rowNumbers(t: Tensor, r: number, rows: number): number[] {
  const size = t.data.length / rows;
  const out: number[] = new Array(size);
  for (let i = 0; i < size; i++) {
    const v = t.data[r * size + i];
    out[i] =
      t.datatype === 'FP16'
        ? fromHalf(v as number)
        : t.datatype === 'FP32'
          ? shortestFloat32(v as number)
          : Number(v);
  }
  return out;
}

/** A label as JSON carries it: 64-bit integers as numbers while exact, else as decimal strings. */
function labelValue(v: unknown): Label {
  if (typeof v === 'bigint')
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(v)
      : v.toString();
  return v as Label;
}

export function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

/** The predicted label of every row: the label output when the model has one, else the top class. */
export function predictedLabels(result: InferenceResult): Label[] {
  const c = result.model.classification;
  if (!c) throw new RangeError(`model "${result.model.name}" is not a classifier`);
  const out: Label[] = new Array(result.rows);
  for (let r = 0; r < result.rows; r++) {
    if (c.label !== undefined) {
      const t = result.outputs[c.label];
      out[r] = labelValue(t.data[r * (t.data.length / result.rows)]);
    } else {
      const t = result.outputs[c.scores!];
      const size = t.data.length / result.rows;
      // Order is all argmax needs: the raw values, no decimal formatting (FP16 bits decoded first).
      const row =
        t.datatype === 'FP16'
          ? Array.from((t.data as Uint16Array).subarray(r * size, (r + 1) * size), fromHalf)
          : (t.data as Float32Array).subarray(r * size, (r + 1) * size);
      const i = argmax(row as ArrayLike<number>);
      out[r] = c.labels ? c.labels[i] : i;
    }
  }
  return out;
}

/** Per-class scores of every row, or undefined when the classifier only gives labels. */
export function classScores(result: InferenceResult): number[][] | undefined {
  const c = result.model.classification;
  // A selection's outputs are not at the classifier's positions (and it asked for them by name).
  if (c?.scores === undefined || result.selected) return undefined;
  const t = result.outputs[c.scores];
  return Array.from({ length: result.rows }, (_, r) => rowNumbers(t, r, result.rows));
}

/** The k best classes of each row of `t` (ties keep class order), labelled when `labels` are given. */
export function topClasses(
  t: Tensor,
  rows: number,
  k: number,
  labels: Label[] | undefined,
): { index: number; label: Label; probability: number }[][] {
  return Array.from({ length: rows }, (_, r) => {
    const scores = rowNumbers(t, r, rows);
    const order = scores.map((_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
    return order
      .slice(0, k)
      .map((i) => ({ index: i, label: labels ? labels[i] : i, probability: scores[i] }));
  });
}
