// ECMAScript lets Math.exp be "implementation-approximated", so its last bit may change between engines
// or V8 releases. Softmax feeds every gradient, so training uses this exp built only from +, -, *, / and
// Math.round (all exactly specified by IEEE 754 / ECMAScript), keeping trained weights byte-identical
// wherever the code runs.

// ln2 split into a high part with trailing zero bits (so n * LN2_HI is exact) and the remainder (fdlibm).
const LN2_HI = 6.9314718036912381649e-1;
const LN2_LO = 1.90821492927058770002e-10;
const INV_LN2 = 1.4426950408889634;
const EXP_OVERFLOW = 709.782712893384;
const EXP_UNDERFLOW = -745.1332191019412;

const scratch = new DataView(new ArrayBuffer(8));

/** 2^n for normal exponents, built from the bit pattern (exact by construction). */
function pow2(n: number): number {
  scratch.setUint32(0, (n + 1023) << 20);
  scratch.setUint32(4, 0);
  return scratch.getFloat64(0);
}

/** e^x to within ~2 ulp of the true value, bit-for-bit reproducible. */
export function detExp(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x > EXP_OVERFLOW) return Infinity;
  if (x < EXP_UNDERFLOW) return 0;
  const n = Math.round(x * INV_LN2);
  const r = x - n * LN2_HI - n * LN2_LO; // |r| <= ln2/2
  // Taylor series to r^13: the truncation error (0.347^14/14!) is below 2^-53 relative.
  let p = 1 / 6227020800;
  p = p * r + 1 / 479001600;
  p = p * r + 1 / 39916800;
  p = p * r + 1 / 3628800;
  p = p * r + 1 / 362880;
  p = p * r + 1 / 40320;
  p = p * r + 1 / 5040;
  p = p * r + 1 / 720;
  p = p * r + 1 / 120;
  p = p * r + 1 / 24;
  p = p * r + 1 / 6;
  p = p * r + 1 / 2;
  p = p * r + 1;
  p = p * r + 1;
  // Split the scale for subnormal results so pow2 only ever builds normal numbers.
  if (n < -1021) return p * pow2(n + 1000) * pow2(-1000);
  if (n > 1023) return p * pow2(n - 1) * 2;
  return p * pow2(n);
}
