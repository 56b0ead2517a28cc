// Retrains from the command recorded in config.json and demands the committed bytes. Training uses only
// exactly-rounded arithmetic (see src/det-math.ts), so the hash is expected to match on any machine.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { parseTrainedBy } from '../src/cli-args.js';
import { loadMnist } from '../src/idx.js';
import { toFloatInputs } from '../src/inputs.js';
import { forward } from '../src/mlp.js';
import { readModelConfig } from '../src/model-config.js';
import { DEFAULT_CONFIG_PATH, DEFAULT_MODEL_PATH } from '../src/paths.js';
import { trainMnist, type MnistTrainingRun } from '../src/pipeline.js';

const committed = readModelConfig(DEFAULT_CONFIG_PATH).versions['1'];

describe('reproducible training', () => {
  let run: MnistTrainingRun;

  it('retrains from trained_by in well under a minute with >= 97% test accuracy', () => {
    run = trainMnist(parseTrainedBy(committed.trained_by));
    expect(run.testAccuracy).toBeGreaterThanOrEqual(0.97);
    expect(run.testAccuracy).toBeCloseTo(committed.test_accuracy, 4);
    expect(run.trainSeconds).toBeLessThan(60);
  }, 180_000);

  it('reproduces the committed model byte for byte', () => {
    expect(run, 'training step failed').toBeDefined();
    expect(
      run.sha256,
      `retrained sha256 differs from models/mnist/config.json. If training code or hyperparameters changed ` +
        `on purpose, regenerate with: ${committed.trained_by}`,
    ).toBe(committed.sha256);
    expect(Buffer.compare(run.onnx, readFileSync(DEFAULT_MODEL_PATH))).toBe(0);
  });

  it('committed model in onnxruntime-node agrees with the JS forward pass', async () => {
    expect(run, 'training step failed').toBeDefined();
    const session = await ort.InferenceSession.create(DEFAULT_MODEL_PATH);
    try {
      const test = loadMnist('test');
      const n = 256;
      const x = toFloatInputs(test.images.subarray(0, n * 784));
      const out = await session.run({ input: new ort.Tensor('float32', x, [n, 784]) });
      const got = out.probabilities.data as Float32Array;
      const want = forward(run.model, x, n);
      let maxDiff = 0;
      for (let i = 0; i < want.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
      expect(maxDiff).toBeLessThan(1e-5);
    } finally {
      await session.release();
    }
  });
});
