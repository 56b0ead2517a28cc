import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classScores, predictions, type Scorer } from '../../src/index.js';
import { sklearnClassifier } from '@modelfn/model-builder';
import { scorerOver } from './repo.js';

// A LogisticRegression as skl2onnx writes it by default: an INT64 (or STRING) `output_label` and a ZipMap
// `output_probability`, a sequence of maps onnxruntime-node cannot return. No config.json.
const coefficients = [
  [1.5, -0.5],
  [-1, 0.25],
  [0.2, 0.8],
];
const intercepts = [0.1, -0.2, 0.05];

function softmax(x: number[]): number[] {
  const scores = coefficients.map((w, k) => w[0] * x[0] + w[1] * x[1] + intercepts[k]);
  const e = scores.map((s) => Math.exp(s - Math.max(...scores)));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

const X = [
  [1, 0],
  [-2, 1],
  [0.3, 3],
];

describe('scikit-learn models as skl2onnx writes them', () => {
  let scorer: Scorer;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ scorer, close } = await scorerOver({
      iris: { onnx: sklearnClassifier({ labels: [10, 20, 30], features: 2, coefficients, intercepts }) },
      named: {
        onnx: sklearnClassifier({
          labels: ['setosa', 'versicolor', 'virginica'],
          features: 2,
          coefficients,
          intercepts,
        }),
      },
    }));
  });
  afterAll(() => close());

  it('serves the ZipMap output as per-class probabilities, labelled by its classes', () => {
    const v = scorer.repository.find('iris');
    expect(v.state, v.reason).toBe('READY');
    expect(v.config.output).toEqual([
      expect.objectContaining({ name: 'output_label', data_type: 'TYPE_INT64', dims: [] }),
      expect.objectContaining({ name: 'output_probability', data_type: 'TYPE_FP32', dims: [3] }),
    ]);
    expect(v.config.labels).toEqual([10, 20, 30]);
    expect(v.classification).toEqual({ scores: 1, labels: [10, 20, 30], label: 0 });
  });

  it.each(['iris', 'named'])(
    '%s: labels and probabilities match the model computed by hand',
    async (model) => {
      const result = await scorer.infer({ object: { data: X }, model });
      const expected = X.map(softmax);
      const classes = model === 'iris' ? [10, 20, 30] : ['setosa', 'versicolor', 'virginica'];
      const argmax = (p: number[]) => p.indexOf(Math.max(...p));
      expect(predictions(result)).toEqual(expected.map((p) => classes[argmax(p)]));
      const scores = classScores(result)!;
      scores.forEach((row, r) => row.forEach((p, k) => expect(p).toBeCloseTo(expected[r][k], 6)));
      const withProbabilities = predictions(result, { probabilities: true }) as { label: unknown }[];
      expect(withProbabilities[0]).toEqual({ label: classes[argmax(expected[0])], probabilities: scores[0] });
      const top = predictions(result, { top: 2 }) as { label: unknown; probability: number }[][];
      expect(top[1].map((t) => t.label)).toEqual(
        expected[1]
          .map((p, k) => ({ p, k }))
          .sort((a, b) => b.p - a.p)
          .slice(0, 2)
          .map(({ k }) => classes[k]),
      );
    },
  );

  it('caches both outputs per row', async () => {
    await scorer.infer({ object: { data: [[5, 5]] }, model: 'named' });
    const again = await scorer.infer({ object: { data: [[5, 5]] }, model: 'named' });
    expect(again.cache).toBe('hit');
    // Scores 5.1, -3.95 and 5.05: setosa, narrowly.
    expect(predictions(again, { probabilities: true })).toEqual([
      { label: 'setosa', probabilities: softmax([5, 5]).map((p) => expect.closeTo(p, 6)) },
    ]);
  });
});
