// Checks the artifacts that are committed and served: models/mnist/1/model.onnx and models/mnist/config.json.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { loadMnist } from '../src/idx.js';
import { toFloatInputs } from '../src/inputs.js';
import { accuracyOf } from '../src/mlp.js';
import { defaultMnistConfig, readModelConfig } from '../src/model-config.js';
import { DEFAULT_CONFIG_PATH, DEFAULT_MODEL_PATH } from '../src/paths.js';
import { sha256Hex } from '../src/pipeline.js';

const config = readModelConfig(DEFAULT_CONFIG_PATH);
const committed = config.versions['1'];

describe('committed MNIST artifacts', () => {
  it('config.json has the documented shape', () => {
    const { versions, ...rest } = config;
    const { versions: _template, ...expected } = defaultMnistConfig();
    expect(rest).toEqual(expected);
    expect(Object.keys(versions)).toEqual(['1']);
    expect(Object.keys(committed).sort()).toEqual(['sha256', 'test_accuracy', 'trained_by']);
  });

  it('config.json sha256 matches the committed model file', () => {
    expect(sha256Hex(readFileSync(DEFAULT_MODEL_PATH))).toBe(committed.sha256);
  });

  it('scores >= 97% on the 10k MNIST test set in onnxruntime-node', async () => {
    const session = await ort.InferenceSession.create(DEFAULT_MODEL_PATH);
    try {
      const test = loadMnist('test');
      const inputs = toFloatInputs(test.images);
      const probabilities = new Float32Array(test.count * 10);
      const batch = config.max_batch_size as number; // what the serving side will send at most
      for (let start = 0; start < test.count; start += batch) {
        const n = Math.min(batch, test.count - start);
        const x = inputs.subarray(start * 784, (start + n) * 784);
        const out = await session.run({ input: new ort.Tensor('float32', x, [n, 784]) });
        probabilities.set(out.probabilities.data as Float32Array, start * 10);
      }
      const accuracy = accuracyOf(probabilities, test.labels, 10);
      expect(accuracy).toBeGreaterThanOrEqual(0.97);
      // ORT (float32 sums) and the JS forward pass (float64 sums) may disagree on a near-tie or two.
      expect(Math.abs(accuracy - committed.test_accuracy)).toBeLessThanOrEqual(0.001);
    } finally {
      await session.release();
    }
  });
});
