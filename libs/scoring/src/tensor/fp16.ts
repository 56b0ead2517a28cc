/**
 * IEEE 754 half precision (binary16) to and from JS numbers. Node 20 has neither Float16Array nor
 * Math.f16round, and onnxruntime-node holds float16 tensors as their raw bits in a Uint16Array.
 */

// Powers of two built by doubling and halving, which is exact; `2 ** e` leans on libm for that.
const POW2_BIAS = 40;
const POW2 = (() => {
  const t = new Float64Array(2 * POW2_BIAS + 1);
  t[POW2_BIAS] = 1;
  for (let e = 1; e <= POW2_BIAS; e++) {
    t[POW2_BIAS + e] = t[POW2_BIAS + e - 1] * 2;
    t[POW2_BIAS - e] = t[POW2_BIAS - e + 1] / 2;
  }
  return t;
})();
const pow2 = (e: number): number => POW2[POW2_BIAS + e];

/** Halfway between the largest half (65504) and the next step up (65536): ties go to the even side, Inf. */
const OVERFLOW = 65520;
const MIN_NORMAL = pow2(-14);

/** The canonical quiet NaN; a NaN's payload and sign cannot be observed on a JS number anyway. */
export const HALF_NAN = 0x7e00;

function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  return d > 0.5 || (d === 0.5 && (f & 1) === 1) ? f + 1 : f;
}

/**
 * The half nearest `x` (ties to even), as its 16 bits. Rounds straight from the double: going through
 * float32 first would round twice and could land on the wrong side of a tie.
 */
export function toHalf(x: number): number {
  if (x !== x) return HALF_NAN;
  const sign = x < 0 || (x === 0 && 1 / x < 0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a >= OVERFLOW) return sign | 0x7c00;
  // Subnormals are multiples of 2^-24; rounding up to 1024 of them yields the smallest normal's bits.
  if (a < MIN_NORMAL) return sign | roundHalfEven(a * pow2(24));
  let e = Math.floor(Math.log2(a));
  // log2 may be off by one right at a power of two.
  if (pow2(e) > a) e--;
  else if (pow2(e + 1) <= a) e++;
  // 11 significant bits in [1024, 2048]; 2048 carries into the exponent through the addition below.
  const m = roundHalfEven(a * pow2(10 - e));
  return sign | (((e + 15) << 10) + (m - 1024));
}

/** The value of the half whose bits are `h` (exact: every half is a double). */
export function fromHalf(h: number): number {
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  const v = e === 0 ? m * pow2(-24) : e === 31 ? (m === 0 ? Infinity : NaN) : (m + 1024) * pow2(e - 25);
  return h & 0x8000 ? -v : v;
}

/** True for ±Infinity and NaN bit patterns (exponent all ones). */
export function isHalfNonFinite(h: number): boolean {
  return (h & 0x7c00) === 0x7c00;
}

export function toHalfArray(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = toHalf(values[i]);
  return out;
}

/** Half bits widened to float32, for models that take FP32 while a client sends FP16 (exact). */
export function halfArrayToFloat32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = fromHalf(bits[i]);
  return out;
}
