import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configTarget, readModelConfig, updateModelConfig } from '../src/model-config.js';

const entry = { sha256: 'ab'.repeat(32), test_accuracy: 0.9816, trained_by: 'npm run train -- --seed 1234' };

describe('updateModelConfig', () => {
  it('creates the Triton-style config in the documented layout', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'cfg-')), 'mnist', 'config.json');
    updateModelConfig(path, '1', entry);
    expect(readFileSync(path, 'utf8')).toBe(`{
  "name": "mnist",
  "platform": "onnxruntime_onnx",
  "max_batch_size": 256,
  "dynamic_batching": { "max_queue_delay_microseconds": 100 },
  "input": [{ "name": "input", "data_type": "TYPE_FP32", "dims": [784] }],
  "output": [{ "name": "probabilities", "data_type": "TYPE_FP32", "dims": [10] }],
  "labels": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  "preprocessing": {
    "image": { "width": 28, "height": 28, "color": "gray", "layout": "flat", "resize": "stretch", "scale": 0.00392156862745098, "invert": false, "note": "grayscale, resized to 28x28, pixel/255, white digit on black background as in MNIST" }
  },
  "version_policy": { "latest": { "num_versions": 1 } },
  "versions": {
    "1": { "sha256": "${entry.sha256}", "test_accuracy": 0.9816, "trained_by": "npm run train -- --seed 1234" }
  }
}
`);
  });

  it('only touches the trained version when the file exists', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'cfg-')), 'config.json');
    writeFileSync(
      path,
      JSON.stringify({
        name: 'mnist',
        max_batch_size: 64,
        custom: { keep: true },
        versions: { '1': { sha256: 'old', reviewed: 'yes' }, '2': { sha256: 'other' } },
      }),
    );
    updateModelConfig(path, '1', entry);
    const c = readModelConfig(path);
    expect(c.max_batch_size).toBe(64);
    expect(c.custom).toEqual({ keep: true });
    expect(c.versions['1']).toEqual({ ...entry, reviewed: 'yes' });
    expect(c.versions['2']).toEqual({ sha256: 'other' });
  });

  it('explains a corrupt config', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'cfg-')), 'config.json');
    writeFileSync(path, '{ not json');
    expect(() => updateModelConfig(path, '1', entry)).toThrow(/cannot read model config .*fix or delete/);
  });
});

describe('configTarget', () => {
  it('maps <model>/<version>/model.onnx to <model>/config.json', () => {
    expect(configTarget('/r/models/mnist/1/model.onnx')).toEqual({
      configPath: '/r/models/mnist/config.json',
      version: '1',
      name: 'mnist',
    });
    expect(configTarget('/tmp/model.onnx')).toBeUndefined();
    expect(configTarget('/r/mnist/v1/model.onnx')).toBeUndefined();
  });
});
