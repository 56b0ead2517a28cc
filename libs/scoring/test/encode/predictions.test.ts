import { describe, expect, it } from 'vitest';
import { classScores, predictedLabels, topClasses } from '../../src/encode/classify.js';
import { predictions } from '../../src/encode/predictions.js';
import type { Classification } from '../../src/model/classification.js';
import type { InferenceResult } from '../../src/pipeline/inference-request.js';
import { fakeModel } from '../support/fakes.js';

/** Two rows of a two-class model's output "out", as the model would return them. */
function resultOf(values: number[], classification?: Classification): InferenceResult {
  const { version } = fakeModel({ classification });
  const rows = values.length / 2;
  return {
    model: version,
    outputs: [{ name: 'out', datatype: 'FP32', shape: [rows, 2], data: Float32Array.from(values) }],
    rows,
    cache: 'miss',
  };
}

const out = [0.1, 0.9, 0.7, 0.3];

describe('predictions', () => {
  it('answers labels, or labels with probabilities', () => {
    expect(predictions(resultOf(out, { scores: 0, labels: ['cat', 'dog'] }))).toEqual(['dog', 'cat']);
    expect(predictions(resultOf(out, { scores: 0 }))).toEqual([1, 0]);
    expect(predictions(resultOf(out, { scores: 0 }), { probabilities: true })).toEqual([
      { label: 1, probabilities: [0.1, 0.9] },
      { label: 0, probabilities: [0.7, 0.3] },
    ]);
    expect(predictedLabels(resultOf(out, { scores: 0, labels: ['cat', 'dog'] }))).toEqual(['dog', 'cat']);
  });

  it('answers the top k classes of each row, best first, ties in class order', () => {
    const r = resultOf([0.1, 0.9, 0.5, 0.5], { scores: 0, labels: ['cat', 'dog'] });
    expect(predictions(r, { top: 1 })).toEqual([
      [{ label: 'dog', probability: 0.9 }],
      [{ label: 'cat', probability: 0.5 }],
    ]);
    expect(predictions(r, { top: 2 })).toEqual([
      [
        { label: 'dog', probability: 0.9 },
        { label: 'cat', probability: 0.1 },
      ],
      [
        { label: 'cat', probability: 0.5 },
        { label: 'dog', probability: 0.5 },
      ],
    ]);
    expect(topClasses(r.outputs[0], r.rows, 1, undefined)).toEqual([
      [{ index: 1, label: 1, probability: 0.9 }],
      [{ index: 0, label: 0, probability: 0.5 }],
    ]);
  });

  it('gives each float32 as the shortest decimal that reads back as it', () => {
    const third = Math.fround(1 / 3);
    const r = resultOf([third, 1 - third], { scores: 0 });
    const [scores] = classScores(r)!;
    expect(scores[0]).toBe(0.33333334);
    expect(Math.fround(scores[0])).toBe(third);
    expect(Math.fround(scores[1])).toBe(Math.fround(1 - third));
    expect(JSON.stringify(predictions(r, { probabilities: true }))).toBe(
      `[{"label":1,"probabilities":[0.33333334,${scores[1]}]}]`,
    );
  });

  it('answers every output by name, per row, for a model that is not a classifier', () => {
    const r = resultOf(out);
    expect(classScores(r)).toBeUndefined();
    expect(predictions(r)).toEqual([{ out: [0.1, 0.9] }, { out: [0.7, 0.3] }]);
    expect(() => predictedLabels(r)).toThrow(/not a classifier/);
  });
});
