// Mini-batch SGD with momentum and a linearly decaying learning rate. Single-threaded, fixed loop order and
// only exactly-rounded arithmetic, so one seed always yields the same weights, byte for byte.
import { forwardRow, initMlp, type Mlp } from './mlp.js';
import type { SparseRows } from './inputs.js';
import { mulberry32, shuffle } from './prng.js';

export interface TrainOptions {
  seed: number;
  epochs: number;
  batchSize: number;
  /** Peak learning rate; decays linearly to 0 over all steps. */
  learningRate: number;
  momentum: number;
  hiddenSize: number;
}

export const DEFAULT_TRAIN_OPTIONS: TrainOptions = {
  seed: 1234,
  epochs: 5,
  batchSize: 64,
  learningRate: 0.1,
  momentum: 0.9,
  hiddenSize: 128,
};

export interface TrainData {
  rows: SparseRows;
  labels: Uint8Array;
  classes: number;
}

export interface EpochReport {
  epoch: number;
  meanLoss: number;
  seconds: number;
}

export interface TrainResult {
  model: Mlp;
  epochs: EpochReport[];
}

export function validateTrainOptions(o: TrainOptions): void {
  const positiveInt = (name: keyof TrainOptions) => {
    if (!Number.isInteger(o[name]) || o[name] < 1) {
      throw new Error(`${name} must be a positive integer, got ${o[name]}`);
    }
  };
  positiveInt('epochs');
  positiveInt('batchSize');
  positiveInt('hiddenSize');
  if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff) {
    throw new Error(`seed must be an integer in 0..4294967295, got ${o.seed}`);
  }
  if (!(o.learningRate > 0)) throw new Error(`learningRate must be > 0, got ${o.learningRate}`);
  if (!(o.momentum >= 0 && o.momentum < 1)) throw new Error(`momentum must be in [0, 1), got ${o.momentum}`);
}

export function trainMlp(
  data: TrainData,
  options: TrainOptions = DEFAULT_TRAIN_OPTIONS,
  /** Called after each epoch with the current (live, mutable) model, e.g. to report test accuracy. */
  onEpoch?: (report: EpochReport, model: Mlp) => void,
): TrainResult {
  validateTrainOptions(options);
  const { rows, labels, classes } = data;
  if (labels.length !== rows.count) throw new Error(`${rows.count} inputs but ${labels.length} labels`);
  const rng = mulberry32(options.seed);
  const model = initMlp({ inputSize: rows.width, hiddenSize: options.hiddenSize, outputSize: classes }, rng);
  const { hiddenSize: H, outputSize: C, w1, b1, w2, b2 } = model;
  const { index, value, offsets } = rows;

  // The W1 gradient is the hottest accumulator (100k entries, ~150 rows touched per sample); float32
  // halves its memory traffic. The small tensors accumulate in float64.
  const g1 = new Float32Array(w1.length);
  const gb1 = new Float64Array(H);
  const g2 = new Float64Array(w2.length);
  const gb2 = new Float64Array(C);
  const v1 = new Float32Array(w1.length);
  const vb1 = new Float32Array(H);
  const v2 = new Float32Array(w2.length);
  const vb2 = new Float32Array(C);
  const hidden = new Float64Array(H);
  const probs = new Float64Array(C);
  const dHidden = new Float64Array(H);

  const order = new Uint32Array(rows.count);
  for (let i = 0; i < order.length; i++) order[i] = i;
  const stepsPerEpoch = Math.ceil(rows.count / options.batchSize);
  const totalSteps = stepsPerEpoch * options.epochs;
  const mu = options.momentum;
  let step = 0;
  const epochs: EpochReport[] = [];

  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    const started = performance.now();
    shuffle(order, rng);
    let lossSum = 0;
    for (let start = 0; start < rows.count; start += options.batchSize) {
      const end = Math.min(start + options.batchSize, rows.count);
      g1.fill(0);
      gb1.fill(0);
      g2.fill(0);
      gb2.fill(0);
      for (let s = start; s < end; s++) {
        const r = order[s];
        forwardRow(model, rows, r, hidden, probs);
        const y = labels[r];
        // Clamp only for the reported loss; gradients use the exact probabilities.
        lossSum -= Math.log(Math.max(probs[y], 1e-30));
        probs[y] -= 1; // dLoss/dLogits for softmax + cross-entropy
        for (let c = 0; c < C; c++) gb2[c] += probs[c];
        for (let j = 0; j < H; j++) {
          const h = hidden[j];
          if (h <= 0) {
            dHidden[j] = 0; // ReLU gate
            continue;
          }
          const base = j * C;
          let d = 0;
          for (let c = 0; c < C; c++) {
            g2[base + c] += h * probs[c];
            d += w2[base + c] * probs[c];
          }
          dHidden[j] = d;
        }
        for (let j = 0; j < H; j++) gb1[j] += dHidden[j];
        accumulateOuter(g1, H, index, value, offsets[r], offsets[r + 1], dHidden);
      }
      const lr = options.learningRate * (1 - step / totalSteps);
      const scale = 1 / (end - start);
      sgdMomentum(w1, v1, g1, scale, lr, mu);
      sgdMomentum(b1, vb1, gb1, scale, lr, mu);
      sgdMomentum(w2, v2, g2, scale, lr, mu);
      sgdMomentum(b2, vb2, gb2, scale, lr, mu);
      step++;
    }
    const report = { epoch, meanLoss: lossSum / rows.count, seconds: (performance.now() - started) / 1000 };
    epochs.push(report);
    onEpoch?.(report, model);
  }
  return { model, epochs };
}

/** v = mu*v + g*scale; w -= lr*v (the PyTorch formulation of momentum). */
function sgdMomentum(
  w: Float32Array,
  v: Float32Array,
  g: Float32Array | Float64Array,
  scale: number,
  lr: number,
  mu: number,
): void {
  for (let i = 0; i < w.length; i++) {
    const vi = mu * v[i] + g[i] * scale;
    v[i] = vi;
    w[i] -= lr * vi;
  }
}

/**
 * g[index[p], :] += value[p] * d for the row's non-zero inputs — the W1 gradient of one sample. Blocks of
 * eight columns keep `d` in locals; per-element accumulation order is the same as the plain loop.
 */
function accumulateOuter(
  g: Float32Array,
  H: number,
  index: Uint16Array,
  value: Float32Array,
  first: number,
  last: number,
  d: Float64Array,
): void {
  let j = 0;
  for (; j + 8 <= H; j += 8) {
    const d0 = d[j];
    const d1 = d[j + 1];
    const d2 = d[j + 2];
    const d3 = d[j + 3];
    const d4 = d[j + 4];
    const d5 = d[j + 5];
    const d6 = d[j + 6];
    const d7 = d[j + 7];
    // A dead ReLU block contributes nothing; skipping it cannot change any sum.
    if (d0 === 0 && d1 === 0 && d2 === 0 && d3 === 0 && d4 === 0 && d5 === 0 && d6 === 0 && d7 === 0)
      continue;
    for (let p = first; p < last; p++) {
      const x = value[p];
      const b = index[p] * H + j;
      g[b] += x * d0;
      g[b + 1] += x * d1;
      g[b + 2] += x * d2;
      g[b + 3] += x * d3;
      g[b + 4] += x * d4;
      g[b + 5] += x * d5;
      g[b + 6] += x * d6;
      g[b + 7] += x * d7;
    }
  }
  for (; j < H; j++) {
    const dj = d[j];
    if (dj === 0) continue;
    for (let p = first; p < last; p++) g[index[p] * H + j] += value[p] * dj;
  }
}
