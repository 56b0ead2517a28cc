import type { CacheLookup, RowCache } from '../../src/cache/backends/row-cache.js';
import { scoringCache } from '../../src/cache/index.js';
import type { Classification } from '../../src/model/classification.js';
import { parseImagePreprocessing } from '../../src/model/image-preprocessing.js';
import type { ModelRepository } from '../../src/model/model-repository.js';
import type { ReadyModel } from '../../src/model/model-version.js';
import type { OnnxModel } from '../../src/model/onnx-model.js';
import type { InferenceRequest } from '../../src/pipeline/inference-request.js';
import { Scorer } from '../../src/scorer.js';
import type { Settings } from '../../src/settings.js';
import type { Tensor } from '../../src/tensor/tensor.js';

/** A map-backed cache that can be switched "down", to test the scorer's cache-aside logic without Redis. */
export class MapCache implements RowCache {
  readonly kind = 'memory' as const;
  readonly map = new Map<string, Uint8Array>();
  down = false;
  gets = 0;

  async getMany(keys: string[], expectedBytes?: number): Promise<CacheLookup> {
    this.gets++;
    if (this.down) return { values: keys.map(() => undefined), available: false };
    return {
      values: keys.map((k) => {
        const v = this.map.get(k);
        return v && (expectedBytes === undefined || v.length === expectedBytes) ? v.slice() : undefined;
      }),
      available: true,
    };
  }

  async setMany(entries: { key: string; value: Uint8Array }[]): Promise<void> {
    if (this.down) return;
    for (const e of entries) this.map.set(e.key, e.value.slice());
  }

  async getRaw(key: string): Promise<Buffer | undefined> {
    const v = this.map.get(key);
    return v ? Buffer.from(v) : undefined;
  }

  async close(): Promise<void> {}
}

export interface FakeModelOptions {
  delayMs?: number;
  fail?: boolean;
  /** dynamic_batching.max_queue_delay_microseconds; no dynamic batching when absent. */
  batching?: number;
  /** Values per input row (default 2). */
  features?: number;
  /** config.json `preprocessing.image`, as written there: the model then takes images. */
  image?: Record<string, unknown>;
  classification?: Classification;
}

/**
 * A batched FP32 "model" of one input `input` [N, features] and one output `out` [N, 2]:
 * out = [sum, -sum] of each row, with the rows of every run recorded in `calls`.
 */
export function fakeModel(opts: FakeModelOptions = {}) {
  const features = opts.features ?? 2;
  const calls: number[] = [];
  const model = {
    async run(inputs: Tensor[]): Promise<{ outputs: Tensor[]; seconds: number }> {
      const [input] = inputs;
      const rows = input.shape[0];
      calls.push(rows);
      if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
      if (opts.fail) throw new Error('boom');
      const data = input.data as Float32Array;
      const out = new Float32Array(rows * 2);
      for (let r = 0; r < rows; r++) {
        let sum = 0;
        for (let k = 0; k < features; k++) sum += data[r * features + k];
        out[r * 2] = sum;
        out[r * 2 + 1] = -sum;
      }
      return { outputs: [{ name: 'out', datatype: 'FP32', shape: [rows, 2], data: out }], seconds: 0 };
    },
    release: async () => {},
  } as unknown as OnnxModel;
  const version: ReadyModel = {
    name: 'fake',
    version: '1',
    config: {
      name: 'fake',
      platform: 'onnxruntime_onnx',
      max_batch_size: 64,
      input: [{ name: 'input', data_type: 'TYPE_FP32', dims: [features] }],
      output: [{ name: 'out', data_type: 'TYPE_FP32', dims: [2] }],
      ...(opts.batching !== undefined
        ? { dynamic_batching: { max_queue_delay_microseconds: opts.batching } }
        : {}),
    },
    path: '/dev/null',
    sha256: 'abcdef0123456789',
    state: 'READY',
    batched: true,
    inputs: [{ name: 'input', datatype: 'FP32', dims: [features], size: features }],
    outputs: [{ name: 'out', datatype: 'FP32', dims: [2], size: 2 }],
    ...(opts.classification ? { classification: opts.classification } : {}),
    ...(opts.image ? { image: { input: 0, pre: parseImagePreprocessing(opts.image, 'fake') } } : {}),
    model,
  };
  return { version, calls };
}

/** A repository serving one model version (whatever name or version is asked for). */
export function repositoryOf(current: { version: ReadyModel }): ModelRepository {
  // No traffic table: a request naming no version is not routed (route answers undefined).
  return { ready: () => current.version, route: () => undefined } as unknown as ModelRepository;
}

/** An inference request of FP32 rows for a one-input model. */
export function floatRows(model: ReadyModel, rows: number[][]): InferenceRequest {
  const spec = model.inputs[0];
  return {
    model,
    inputs: [
      {
        name: spec.name,
        datatype: 'FP32',
        shape: [rows.length, ...spec.dims],
        data: Float32Array.from(rows.flat()),
      },
    ],
    rows: rows.length,
  };
}

/** The elements of a numeric tensor as plain numbers. */
export function valuesOf(t: Tensor): number[] {
  return Array.from(t.data as Float32Array);
}

/** Float32 values as the little-endian bytes a cache holds for them. */
export function f32Bytes(...values: number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

/** Cached bytes (at any offset, as Redis hands them back) read as little-endian float32 values. */
export function floatsOf(bytes: Uint8Array): number[] {
  return Array.from(new Float32Array(Uint8Array.from(bytes).buffer));
}

/** A scorer over a test's repository and row cache, the cache's other parts made from it as createScorer does. */
export function scorerOf(settings: Settings, repository: ModelRepository, rows: RowCache): Scorer {
  return new Scorer(settings, repository, scoringCache(rows));
}
