import type { CacheLookup, RowCache } from '../../src/cache/row-cache.js';
import type { ModelVersion } from '../../src/model/model-version.js';
import type { OnnxModel } from '../../src/model/onnx-model.js';

/** A map-backed cache that can be switched "down", to test the scorer's cache-aside logic without Redis. */
export class MapCache implements RowCache {
  readonly kind = 'memory' as const;
  readonly map = new Map<string, Float32Array>();
  down = false;
  gets = 0;

  async getMany(keys: string[]): Promise<CacheLookup> {
    this.gets++;
    if (this.down) return { values: keys.map(() => undefined), available: false };
    return { values: keys.map((k) => this.map.get(k)), available: true };
  }

  async setMany(entries: { key: string; value: Float32Array }[]): Promise<void> {
    if (this.down) return;
    for (const e of entries) this.map.set(e.key, Float32Array.from(e.value));
  }

  async getRaw(key: string): Promise<Buffer | undefined> {
    const v = this.map.get(key);
    return v ? Buffer.from(v.buffer) : undefined;
  }

  async close(): Promise<void> {}
}

/** A two-feature, two-class "model": out = [sum, -sum] per row, with a count of calls and rows. */
export function fakeModel(opts: { delayMs?: number; fail?: boolean; batching?: number } = {}) {
  const calls: number[] = [];
  const model = {
    async run(data: Float32Array, rows: number) {
      calls.push(rows);
      if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
      if (opts.fail) throw new Error('boom');
      const out = new Float32Array(rows * 2);
      for (let r = 0; r < rows; r++) {
        out[r * 2] = data[r * 2] + data[r * 2 + 1];
        out[r * 2 + 1] = -out[r * 2];
      }
      return out;
    },
    release: async () => {},
  } as unknown as OnnxModel;
  const version: ModelVersion & { model: OnnxModel } = {
    name: 'fake',
    version: '1',
    config: {
      name: 'fake',
      platform: 'onnxruntime_onnx',
      max_batch_size: 64,
      input: [{ name: 'input', data_type: 'TYPE_FP32', dims: [2] }],
      output: [{ name: 'out', data_type: 'TYPE_FP32', dims: [2] }],
      ...(opts.batching !== undefined
        ? { dynamic_batching: { max_queue_delay_microseconds: opts.batching } }
        : {}),
    },
    path: '/dev/null',
    sha256: 'abcdef0123456789',
    features: 2,
    classes: 2,
    state: 'READY',
    model,
  };
  return { version, calls };
}
