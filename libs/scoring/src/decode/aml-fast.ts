import { parseJsonNumber } from './fast-float.js';
import type { InputLimits } from './limits.js';

/** Rows of one fixed-size FP32 input, contiguous and row-major. */
export interface RowBatch {
  data: Float32Array;
  rows: number;
  features: number;
}

const DATA_KEY = Buffer.from('"data"');
const POW10 = Array.from({ length: 16 }, (_, i) => 10 ** i);

/**
 * `0.` and 1 to 15 digits at `p`, ended by a comma, a bracket or whitespace (not an exponent): stores the
 * value (digits / 10^count: both exact, so one correctly rounded division) and returns the index after
 * it, or -1 when the number is not of this form.
 */
function fraction(b: Uint8Array, p: number, out: Float32Array, at: number): number {
  let q = p + 2;
  let mant = 0;
  let d = b[q] - 0x30;
  while (d >= 0 && d <= 9) {
    mant = mant * 10 + d;
    d = b[++q] - 0x30;
  }
  const digits = q - p - 2;
  const c = b[q];
  if (digits === 0 || digits > 15 || (c !== 0x2c && c !== 0x5d && !isWs(c))) return -1;
  out[at] = mant / POW10[digits];
  return q;
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function skipWs(b: Buffer, p: number, end: number): number {
  while (p < end) {
    const c = b[p];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    p++;
  }
  return p;
}

/**
 * The common `/score` body, `{"data": [[n, ...], ...]}` (or one flat row), read from the bytes straight into
 * the Float32Array the model takes: no UTF-16 string, no JS arrays of boxed numbers for the GC to collect.
 *
 * Returns undefined for anything else — other keys, `data_key`, wrong row lengths, too many rows, bad
 * JSON — and the caller then takes the general path (JSON.parse + rowsFromJson), which accepts or refuses it
 * with its usual messages. So this function decides nothing: for every body it accepts, the rows are
 * the ones the general path would produce, bit for bit.
 */
export function fastAmlRows(b: Buffer, features: number, limits: InputLimits): RowBatch | undefined {
  const end = b.length;
  let p = skipWs(b, 0, end);
  if (b[p] !== 0x7b) return undefined;
  p = skipWs(b, p + 1, end);
  if (end - p < DATA_KEY.length || b.compare(DATA_KEY, 0, DATA_KEY.length, p, p + DATA_KEY.length) !== 0)
    return undefined;
  p = skipWs(b, p + DATA_KEY.length, end);
  if (b[p] !== 0x3a) return undefined;
  p = skipWs(b, p + 1, end);
  if (b[p] !== 0x5b) return undefined;
  p = skipWs(b, p + 1, end);
  const nested = b[p] === 0x5b;
  let out = new Float32Array(features);
  let rows = 0;
  for (;;) {
    if (nested) {
      if (b[p] !== 0x5b) return undefined;
      p = skipWs(b, p + 1, end);
    }
    if (rows >= limits.maxBatchRows) return undefined;
    if ((rows + 1) * features > out.length) {
      const grown = new Float32Array(Math.min(out.length * 2, limits.maxBatchRows * features));
      grown.set(out);
      out = grown;
    }
    const base = rows * features;
    for (let k = 0; k < features; k++) {
      // Pixels are mostly a bare 0, else mostly 0.ddd: both handled here without the general number
      // parser ("0" leaves the zero the array was created with; "0.ddd" is one exact division).
      const next = b[p + 1];
      if (b[p] === 0x30 && (next === 0x2c || next === 0x5d)) {
        p++;
      } else {
        const q = b[p] === 0x30 && next === 0x2e ? fraction(b, p, out, base + k) : -1;
        p = q > 0 ? q : parseJsonNumber(b, p, end, out, base + k);
        if (p < 0) return undefined;
      }
      // Whitespace is rare and every whitespace byte is <= 0x20, below any digit, comma or bracket.
      if (b[p] <= 0x20) p = skipWs(b, p, end);
      if (k < features - 1) {
        if (b[p] !== 0x2c) return undefined;
        p++;
        if (b[p] <= 0x20) p = skipWs(b, p, end);
      }
    }
    rows++;
    if (b[p] !== 0x5d) return undefined;
    p = skipWs(b, p + 1, end);
    if (!nested) break;
    if (b[p] === 0x2c) {
      p = skipWs(b, p + 1, end);
      continue;
    }
    if (b[p] !== 0x5d) return undefined;
    p = skipWs(b, p + 1, end);
    break;
  }
  if (b[p] !== 0x7d) return undefined;
  if (skipWs(b, p + 1, end) !== end) return undefined;
  const size = rows * features;
  return { data: out.length === size ? out : out.slice(0, size), rows, features };
}
