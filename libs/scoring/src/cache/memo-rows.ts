import { metrics } from '../metrics.js';
import type { ReadyModel } from '../model/model-version.js';
import type { Tensor } from '../tensor/tensor.js';
import { concatRows } from '../tensor/tensor-rows.js';
import type { InferenceResult } from '../pipeline/inference-request.js';
import { decodeRowValue } from './rows/row-value.js';

/** A body the memo knew: its rows' cache values back to back (`rowBytes` each), as the model's outputs. */
export function memoAnswer(model: ReadyModel, known: Uint8Array, rowBytes: number): InferenceResult {
  const rows = known.length / rowBytes;
  metrics.cacheLookups.inc({ model: model.name, result: 'hit' }, rows);
  const perRow = Array.from({ length: rows }, (_, r) =>
    decodeRowValue(model, known.subarray(r * rowBytes, (r + 1) * rowBytes))!,
  );
  const outputs = rows === 1 ? perRow[0] : model.outputs.map((_, k) => concatRows(perRow.map((p) => p[k])));
  return { model, outputs, rows, cache: 'hit' };
}

/** A fixed-layout result as the memo keeps it: its rows' cache values back to back. */
export function memoValue(result: InferenceResult): Uint8Array {
  const parts = result.outputs.map((t) => {
    const data = t.data as Exclude<Tensor['data'], string[]>;
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  });
  if (parts.length === 1) return parts[0];
  // Several outputs: interleaved per row, as the cache values are laid out.
  const widths = parts.map((p) => p.length / result.rows);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (let r = 0; r < result.rows; r++) {
    parts.forEach((p, k) => {
      out.set(p.subarray(r * widths[k], (r + 1) * widths[k]), off);
      off += widths[k];
    });
  }
  return out;
}
