import { allocate, isFloat } from '../tensor/datatype.js';
import type { Tensor } from '../tensor/tensor.js';
import { configError } from './model-config.js';
import type { ReadyModel } from './model-version.js';

export interface WarmupSample {
  name: string;
  inputs: Tensor[];
  rows: number;
  /** From config.json's model_warmup: a failure makes the version unavailable. Otherwise a guess. */
  explicit: boolean;
}

/** Deterministic values in [0, 1): a warm-up is the same run on every start. */
function fill(t: Tensor, seed: number): void {
  if (Array.isArray(t.data)) return;
  let s = seed || 1;
  const data = t.data as unknown as { [i: number]: number | bigint; length: number };
  const big = typeof data[0] === 'bigint';
  for (let i = 0; i < data.length; i++) {
    s = (s * 16807) % 2147483647;
    const v = isFloat(t.datatype) ? s / 2147483647 : s % 2;
    data[i] = big ? BigInt(v) : v;
  }
}

function tensorOf(
  name: string,
  model: ReadyModel,
  i: number,
  rows: number,
  dims: number[],
  random: boolean,
): Tensor {
  const spec = model.inputs[i];
  const shape = model.batched ? [rows, ...dims] : dims;
  const t: Tensor = {
    name,
    datatype: spec.datatype,
    shape,
    data: allocate(
      spec.datatype,
      shape.reduce((a, b) => a * b, 1),
    ),
  };
  if (random) fill(t, i + 1);
  return t;
}

/**
 * What a version runs before it says ready (Triton's model_warmup): the config's samples, or else one row
 * of zeros with every dynamic dimension 1 — enough to load the kernels and measure a run, and a model that
 * cannot take it (a convolution over 1×1, say) is warmed by its first request instead.
 */
export function warmupSamples(model: ReadyModel): WarmupSample[] {
  const configured = model.config.model_warmup;
  if (!configured || configured.length === 0) {
    return [
      {
        name: 'auto',
        rows: 1,
        explicit: false,
        inputs: model.inputs.map((s, i) =>
          tensorOf(
            s.name,
            model,
            i,
            1,
            s.dims.map((d) => (d === -1 ? 1 : d)),
            false,
          ),
        ),
      },
    ];
  }
  return configured.map((w) => {
    const rows = model.batched ? Math.max(1, w.batch_size ?? 1) : 1;
    const inputs = model.inputs.map((s, i) => {
      const given = w.inputs[s.name];
      if (!given) configError(model.name, `model_warmup "${w.name}" has no input "${s.name}"`);
      return tensorOf(s.name, model, i, rows, given.dims, given.random_data === true);
    });
    return { name: w.name, rows, explicit: true, inputs };
  });
}
