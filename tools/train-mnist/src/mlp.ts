// The model: input -> dense(W1, b1) -> ReLU -> dense(W2, b2) -> softmax. Weights are row-major [in, out]
// (the layout ONNX Gemm expects for B), so input row k of W1 is contiguous and the inner loops stream it.
import { detExp } from './det-math.js';
import { type SparseRows, toSparseRows } from './inputs.js';
import type { Rng } from './prng.js';

export interface Mlp {
  inputSize: number;
  hiddenSize: number;
  outputSize: number;
  /** [inputSize, hiddenSize] row-major. */
  w1: Float32Array;
  b1: Float32Array;
  /** [hiddenSize, outputSize] row-major. */
  w2: Float32Array;
  b2: Float32Array;
}

export interface MlpShape {
  inputSize: number;
  hiddenSize: number;
  outputSize: number;
}

/** He-uniform for the ReLU layer, Glorot-uniform for the softmax layer, zero biases. */
export function initMlp(shape: MlpShape, rng: Rng): Mlp {
  const { inputSize, hiddenSize, outputSize } = shape;
  const uniform = (n: number, limit: number): Float32Array => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = (rng.next() * 2 - 1) * limit;
    return a;
  };
  return {
    inputSize,
    hiddenSize,
    outputSize,
    w1: uniform(inputSize * hiddenSize, Math.sqrt(6 / inputSize)),
    b1: new Float32Array(hiddenSize),
    w2: uniform(hiddenSize * outputSize, Math.sqrt(6 / (hiddenSize + outputSize))),
    b2: new Float32Array(outputSize),
  };
}

/** Numerically stable softmax, in place. Uses detExp so training is reproducible bit for bit. */
export function softmaxInPlace(v: Float64Array | Float32Array | number[]): void {
  let max = -Infinity;
  for (let i = 0; i < v.length; i++) if (v[i] > max) max = v[i];
  let sum = 0;
  for (let i = 0; i < v.length; i++) {
    const e = detExp(v[i] - max);
    v[i] = e;
    sum += e;
  }
  for (let i = 0; i < v.length; i++) v[i] /= sum;
}

/**
 * Forward pass for sparse row r: leaves post-ReLU activations in `hidden` and probabilities in `probs`.
 * Training and inference share this one kernel so what we test is what we train.
 */
export function forwardRow(
  model: Mlp,
  rows: SparseRows,
  r: number,
  hidden: Float64Array,
  probs: Float64Array,
): void {
  const { hiddenSize: H, outputSize: C, w1, b1, w2, b2 } = model;
  const { index, value } = rows;
  const first = rows.offsets[r];
  const last = rows.offsets[r + 1];
  // Eight hidden units at a time in locals: one W1 load per multiply-add instead of a load and store of
  // `hidden` too. Summation order per unit is unchanged (bias, then pixels in index order).
  let j = 0;
  for (; j + 8 <= H; j += 8) {
    let a0 = b1[j];
    let a1 = b1[j + 1];
    let a2 = b1[j + 2];
    let a3 = b1[j + 3];
    let a4 = b1[j + 4];
    let a5 = b1[j + 5];
    let a6 = b1[j + 6];
    let a7 = b1[j + 7];
    for (let p = first; p < last; p++) {
      const x = value[p];
      const b = index[p] * H + j;
      a0 += x * w1[b];
      a1 += x * w1[b + 1];
      a2 += x * w1[b + 2];
      a3 += x * w1[b + 3];
      a4 += x * w1[b + 4];
      a5 += x * w1[b + 5];
      a6 += x * w1[b + 6];
      a7 += x * w1[b + 7];
    }
    hidden[j] = a0;
    hidden[j + 1] = a1;
    hidden[j + 2] = a2;
    hidden[j + 3] = a3;
    hidden[j + 4] = a4;
    hidden[j + 5] = a5;
    hidden[j + 6] = a6;
    hidden[j + 7] = a7;
  }
  for (; j < H; j++) {
    let a = b1[j];
    for (let p = first; p < last; p++) a += value[p] * w1[index[p] * H + j];
    hidden[j] = a;
  }
  for (let c = 0; c < C; c++) probs[c] = b2[c];
  for (let j = 0; j < H; j++) {
    let h = hidden[j];
    if (h < 0) h = hidden[j] = 0;
    if (h === 0) continue;
    const base = j * C;
    for (let c = 0; c < C; c++) probs[c] += h * w2[base + c];
  }
  softmaxInPlace(probs);
}

/** Probabilities for `count` dense rows of `inputSize` floats (already scaled, e.g. pixel/255). */
export function forward(model: Mlp, inputs: Float32Array, count: number): Float32Array {
  return forwardSparse(model, toSparseRows(inputs, count, model.inputSize));
}

export function forwardSparse(model: Mlp, rows: SparseRows): Float32Array {
  if (rows.width !== model.inputSize) {
    throw new Error(`inputs have ${rows.width} features but the model expects ${model.inputSize}`);
  }
  const out = new Float32Array(rows.count * model.outputSize);
  const hidden = new Float64Array(model.hiddenSize);
  const probs = new Float64Array(model.outputSize);
  for (let r = 0; r < rows.count; r++) {
    forwardRow(model, rows, r, hidden, probs);
    out.set(probs, r * model.outputSize);
  }
  return out;
}

export function argmax(v: ArrayLike<number>, start = 0, length = v.length - start): number {
  let best = 0;
  for (let i = 1; i < length; i++) if (v[start + i] > v[start + best]) best = i;
  return best;
}

/** Fraction of rows whose most probable class equals the label. */
export function accuracyOf(probabilities: Float32Array, labels: Uint8Array, classes: number): number {
  const count = labels.length;
  if (probabilities.length !== count * classes) {
    throw new Error(`got ${probabilities.length} probabilities for ${count} labels x ${classes} classes`);
  }
  let correct = 0;
  for (let r = 0; r < count; r++) if (argmax(probabilities, r * classes, classes) === labels[r]) correct++;
  return correct / count;
}
