/**
 * JSON number text → the float32 that `new Float32Array([JSON.parse(text)])` holds, without making a string
 * or a JS number. Used by the `/score` fast path over the raw body bytes.
 */

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);
/** Bound on the relative error of the approximate path, with margin (see parseJsonNumber). */
const GUARD = 2 ** -44;
const MAX_APPROX_DIGITS = 40;
/** Integers up to this are exact doubles, and so is their product with 10 plus a digit below it. */
const EXACT = 2 ** 53;

/** True when float32 rounding of `d` and of any value within GUARD·d of it agree (no rounding boundary near). */
function clearOfFloat32Boundary(d: number): boolean {
  const f = Math.fround(d);
  if (!(f >= 2 ** -125 && f < 2 ** 127)) return false;
  if (f === d) return true;
  F32[0] = f;
  U32[0] = d > f ? U32[0] + 1 : U32[0] - 1;
  const midpoint = (f + F32[0]) / 2;
  return Math.abs(d - midpoint) > d * GUARD;
}

/**
 * Parses the JSON number starting at `start` (grammar: -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?) into
 * `out[at]` and returns the index after it, or -1 if the text there is not a JSON number.
 *
 * Exact when the digits form an integer below 2^53 and the decimal exponent is within ±22: both are then
 * exact doubles, and one IEEE division or multiplication rounds correctly, as JSON.parse does. Longer
 * mantissas are accumulated in a double (relative error < 2^-46 after up to 40 digits), which is exact
 * enough whenever no float32 rounding boundary lies within that error; otherwise, and for anything else,
 * the text goes to Number(), which is exact.
 */
export function parseJsonNumber(
  b: Uint8Array,
  start: number,
  end: number,
  out: Float32Array,
  at: number,
): number {
  let p = start;
  const neg = b[p] === 0x2d;
  if (neg) p++;
  let mant = 0;
  let sig = 0;
  let exp10 = 0;
  let d = b[p] - 0x30;
  if (d === 0) {
    p++;
  } else if (d > 0 && d <= 9) {
    do {
      mant = mant * 10 + d;
      sig++;
      d = ++p < end ? b[p] - 0x30 : -1;
    } while (d >= 0 && d <= 9);
  } else {
    return -1;
  }
  if (p < end && b[p] === 0x2e) {
    d = ++p < end ? b[p] - 0x30 : -1;
    if (!(d >= 0 && d <= 9)) return -1;
    do {
      exp10--;
      if (mant !== 0 || d !== 0) {
        mant = mant * 10 + d;
        sig++;
      }
      d = ++p < end ? b[p] - 0x30 : -1;
    } while (d >= 0 && d <= 9);
  }
  if (p < end && (b[p] | 0x20) === 0x65) {
    p++;
    const eneg = b[p] === 0x2d;
    if (eneg || b[p] === 0x2b) p++;
    d = p < end ? b[p] - 0x30 : -1;
    if (!(d >= 0 && d <= 9)) return -1;
    let e = 0;
    do {
      if (e < 100_000) e = e * 10 + d;
      d = ++p < end ? b[p] - 0x30 : -1;
    } while (d >= 0 && d <= 9);
    exp10 += eneg ? -e : e;
  }
  let v: number;
  if (mant === 0) {
    v = 0;
  } else if (exp10 >= -22 && exp10 <= 22 && mant < EXACT) {
    v = exp10 < 0 ? mant / POW10[-exp10] : mant * POW10[exp10];
  } else if (exp10 >= -22 && exp10 <= 22 && sig <= MAX_APPROX_DIGITS) {
    v = exp10 < 0 ? mant / POW10[-exp10] : mant * POW10[exp10];
    if (!clearOfFloat32Boundary(v)) v = exactValue(b, start, p);
  } else {
    v = exactValue(b, start, p);
  }
  out[at] = neg ? -v : v;
  return p;
}

/** |Number(text)|: the slow, always exact path. */
function exactValue(b: Uint8Array, start: number, end: number): number {
  return Math.abs(Number(Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('latin1')));
}
