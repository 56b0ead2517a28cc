import { describe, expect, it } from 'vitest';
import { detExp } from '../src/det-math.js';
import { toFloatInputs, toSparseRows } from '../src/inputs.js';
import { accuracyOf, argmax, forward, forwardSparse, initMlp, softmaxInPlace, type Mlp } from '../src/mlp.js';
import { mulberry32 } from '../src/prng.js';

describe('detExp', () => {
  it('agrees with Math.exp to a few ulp across the range softmax uses', () => {
    for (let x = -745; x <= 709; x += 0.731) {
      const want = Math.exp(x);
      if (want === 0) continue;
      expect(Math.abs(detExp(x) - want) / want, `x=${x}`).toBeLessThan(1e-15);
    }
  });

  it('handles the edges', () => {
    expect(detExp(0)).toBe(1);
    expect(detExp(-Infinity)).toBe(0);
    expect(detExp(Infinity)).toBe(Infinity);
    expect(detExp(710)).toBe(Infinity);
    expect(detExp(-746)).toBe(0);
    expect(Number.isNaN(detExp(NaN))).toBe(true);
    expect(detExp(-740)).toBeGreaterThan(0); // subnormal result
  });
});

describe('softmaxInPlace', () => {
  it('matches the textbook definition and sums to 1', () => {
    const v = Float64Array.of(1, 2, 3);
    softmaxInPlace(v);
    const e = [Math.exp(1), Math.exp(2), Math.exp(3)];
    const s = e[0] + e[1] + e[2];
    e.forEach((x, i) => expect(v[i]).toBeCloseTo(x / s, 14));
    expect(v[0] + v[1] + v[2]).toBeCloseTo(1, 14);
  });

  it('is stable for huge logits (no Infinity/NaN)', () => {
    const v = Float64Array.of(1000, 1000, -1000);
    softmaxInPlace(v);
    expect(Array.from(v)).toEqual([0.5, 0.5, 0]);
  });
});

/** 2 inputs -> 3 hidden -> 2 outputs with hand-picked weights. */
function tinyModel(): Mlp {
  return {
    inputSize: 2,
    hiddenSize: 3,
    outputSize: 2,
    // W1 rows are inputs: hidden = [x0 - x1, x0 + x1, -x0] + b1
    w1: Float32Array.of(1, 1, -1, -1, 1, 0),
    b1: Float32Array.of(0, 0.5, 0),
    // logits = [h0 + h1, 2*h2 - h1] + b2
    w2: Float32Array.of(1, 0, 1, -1, 0, 2),
    b2: Float32Array.of(0, 0.25),
  };
}

describe('forward', () => {
  it('computes dense -> ReLU -> dense -> softmax', () => {
    const x = Float32Array.of(0.5, 0.25, 0, 1);
    const probs = forward(tinyModel(), x, 2);
    const expectRow = (r: number, logits: [number, number]) => {
      const [a, b] = logits.map(Math.exp);
      expect(probs[r * 2]).toBeCloseTo(a / (a + b), 6);
      expect(probs[r * 2 + 1]).toBeCloseTo(b / (a + b), 6);
    };
    // row 0: h = relu([0.25, 1.25, -0.5]) = [0.25, 1.25, 0]; logits = [1.5, -1.25 + 0.25]
    expectRow(0, [1.5, -1]);
    // row 1: h = relu([-1, 1.5, 0]) = [0, 1.5, 0]; logits = [1.5, -1.5 + 0.25]
    expectRow(1, [1.5, -1.25]);
  });

  it('rejects inputs of the wrong size', () => {
    expect(() => forward(tinyModel(), new Float32Array(3), 2)).toThrow(/expected 2 x 2/);
  });

  it('gives the same answer from bytes and from pixel/255 floats', () => {
    const rng = mulberry32(7);
    const model = initMlp({ inputSize: 784, hiddenSize: 16, outputSize: 10 }, rng);
    const pixels = Uint8Array.from({ length: 784 * 3 }, () => (rng.next() < 0.8 ? 0 : rng.int(256)));
    const fromFloats = forward(model, toFloatInputs(pixels), 3);
    expect(forwardSparse(model, toSparseRows(pixels, 3, 784))).toEqual(fromFloats);
    expect(toSparseRows(pixels, 3, 784).value).toEqual(toSparseRows(toFloatInputs(pixels), 3, 784).value);
  });
});

describe('initMlp', () => {
  it('is deterministic per seed and scaled by fan-in', () => {
    const shape = { inputSize: 784, hiddenSize: 128, outputSize: 10 };
    const a = initMlp(shape, mulberry32(1));
    const b = initMlp(shape, mulberry32(1));
    const c = initMlp(shape, mulberry32(2));
    expect(a.w1).toEqual(b.w1);
    expect(a.w2).toEqual(b.w2);
    expect(a.w1).not.toEqual(c.w1);
    const limit = Math.sqrt(6 / 784);
    expect(Math.max(...a.w1.map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(Math.max(...a.w1.map(Math.abs))).toBeGreaterThan(limit * 0.99);
    expect(a.b1.every((v) => v === 0)).toBe(true);
  });
});

describe('mulberry32', () => {
  it('produces the reference sequence', () => {
    // First outputs of the canonical mulberry32 (bryc/code, PRNGs.md) for seed 1, times 2^32.
    const rng = mulberry32(1);
    expect([rng.next(), rng.next(), rng.next()].map((x) => x * 2 ** 32)).toEqual([
      2693262067, 11749833, 2265367787,
    ]);
  });

  it('int(n) stays in range', () => {
    const rng = mulberry32(99);
    for (let i = 0; i < 1000; i++) expect(rng.int(7)).toBeLessThan(7);
  });
});

describe('accuracyOf / argmax', () => {
  it('counts rows whose top class matches the label', () => {
    const p = Float32Array.of(0.1, 0.9, 0.8, 0.2, 0.5, 0.5);
    expect(argmax(p, 4, 2)).toBe(0); // ties go to the lower class
    expect(accuracyOf(p, Uint8Array.of(1, 1, 0), 2)).toBeCloseTo(2 / 3, 12);
    expect(() => accuracyOf(p, Uint8Array.of(1), 2)).toThrow(/6 probabilities for 1 labels/);
  });
});
