import { isFloat, isInteger } from '../tensor/datatype.js';
import type { IoSpec } from './io-spec.js';
import { configError } from './model-config.js';

export type Label = string | number;

/** How a classifier's outputs are read: which output holds per-class scores, which the predicted label. */
export interface Classification {
  /** Index of the output with one score per class per row. */
  scores?: number;
  /** Class labels of the scores output, in its order (without them, the class index is the label). */
  labels?: Label[];
  /** Index of the output holding the predicted label itself (skl2onnx's `output_label`). */
  label?: number;
}

function isLabelOutput(o: IoSpec): boolean {
  const oneValue = o.dims.length === 0 || (o.dims.length === 1 && o.dims[0] === 1);
  return oneValue && (isInteger(o.datatype) || o.datatype === 'BYTES');
}

/**
 * Finds the classification outputs: the scores output is the one labels were given for (label_filename,
 * ZipMap's classes, or `labels` / labels.txt matched by size); a label output is a one-value integer or
 * string output next to scores, or one whose name says "label". A model with neither is not a classifier.
 */
export function detectClassification(
  model: string,
  outputs: IoSpec[],
  labels: { forOutput?: string; labels?: Label[] },
): Classification | undefined {
  let scores: number | undefined;
  if (labels.labels) {
    const n = labels.labels.length;
    scores = labels.forOutput
      ? outputs.findIndex((o) => o.name === labels.forOutput)
      : outputs.findIndex((o) => isFloat(o.datatype) && o.dims.length === 1 && o.dims[0] === n);
    if (scores < 0) {
      configError(
        model,
        `has ${n} labels but no floating-point output of ${n} values per row to apply them to (outputs: ${outputs.map((o) => `${o.name} [${o.dims}]`).join(', ')})`,
      );
    }
    const dims = outputs[scores].dims;
    if (dims.at(-1) !== -1 && dims.at(-1) !== n) {
      configError(model, `has ${n} labels for output "${outputs[scores].name}" of ${dims.at(-1)} classes`);
    }
  }
  let label = outputs.findIndex(
    (o, i) => i !== scores && isLabelOutput(o) && (scores !== undefined || /label/i.test(o.name)),
  );
  if (label < 0) label = -1;
  if (scores === undefined && label === -1) return undefined;
  return {
    ...(scores !== undefined ? { scores, labels: labels.labels } : {}),
    ...(label >= 0 ? { label } : {}),
  };
}
