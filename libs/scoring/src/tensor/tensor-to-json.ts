import { fromHalf, toHalf } from './fp16.js';
import { elementCount, type Tensor } from './tensor.js';

/** One element as a v2 JSON response carries it. */
export type JsonElement = number | boolean | string;
export type NestedJson = JsonElement | NestedJson[];
export type Nested<T> = T | Nested<T>[];

/** A 64-bit integer up to this prints as a JSON number, exact; beyond it as a decimal string. */
const BIG_EXACT_LIMIT = 1n << 53n;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * The fewest significant digits (up to `maxDigits`, which always suffice) whose decimal reads back as the
 * same value. A longer decimal reads back at least as close, so the answer is found by bisection, probing
 * `guess` (the usual answer) and one digit either side first. At a power of two the gap below is half the
 * gap above and a longer decimal on the narrow side can miss, so there the digits are tried in order.
 * Written without closures or destructuring: with them it ran 2.5 times slower.
 */
function shortest(
  x: number,
  maxDigits: number,
  guess: number,
  same: (y: number, x: number) => boolean,
  powerOfTwo: boolean,
): number {
  if (powerOfTwo) {
    for (let p = 1; p < maxDigits; p++) {
      const y = Number(x.toPrecision(p));
      if (same(y, x)) return y;
    }
    return Number(x.toPrecision(maxDigits));
  }
  // Invariant: `hi` digits read back (their decimal is `best` unless NaN), `lo - 1` digits do not.
  let lo: number;
  let hi: number;
  let best = NaN;
  const g = Number(x.toPrecision(guess));
  if (same(g, x)) {
    const below = Number(x.toPrecision(guess - 1));
    if (!same(below, x)) return g;
    lo = 1;
    hi = guess - 1;
    best = below;
  } else {
    const above = Number(x.toPrecision(guess + 1));
    if (guess + 1 === maxDigits || same(above, x)) return above;
    lo = guess + 2;
    hi = maxDigits;
  }
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const y = Number(x.toPrecision(mid));
    if (same(y, x)) {
      hi = mid;
      best = y;
    } else lo = mid + 1;
  }
  return best === best ? best : Number(x.toPrecision(hi));
}

const sameFloat32 = (y: number, x: number): boolean => Math.fround(y) === x;
const sameHalf = (y: number, x: number): boolean => fromHalf(toHalf(y)) === x;

/**
 * A float32 as the shortest decimal that reads back (parsed as a double, then rounded to float32, as clients
 * do) as the same float32: 0.1, not 0.10000000149011612. Non-finite values pass through unchanged.
 */
export function shortestFloat32(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  f32[0] = x;
  const v = f32[0];
  // Integers below 2^24 need all their digits, which is how JS prints them anyway.
  if (Number.isInteger(v) && Math.abs(v) < 2 ** 24) return v;
  return shortest(v, 9, 7, sameFloat32, (u32[0] & 0x7fffff) === 0);
}

/** A half (given as its bits) as the shortest decimal that reads back as the same half. */
export function shortestHalf(bits: number): number {
  const v = fromHalf(bits);
  if (v === 0 || !Number.isFinite(v)) return v;
  return shortest(v, 5, 4, sameHalf, (bits & 0x3ff) === 0);
}

function elementsToJson(t: Tensor, start: number, end: number): JsonElement[] {
  const out: JsonElement[] = new Array(end - start);
  const d = t.data;
  switch (t.datatype) {
    case 'FP32': {
      const a = d as Float32Array;
      for (let i = start; i < end; i++) out[i - start] = shortestFloat32(a[i]);
      break;
    }
    case 'FP16': {
      const a = d as Uint16Array;
      for (let i = start; i < end; i++) out[i - start] = shortestHalf(a[i]);
      break;
    }
    case 'BOOL': {
      const a = d as Uint8Array;
      for (let i = start; i < end; i++) out[i - start] = a[i] !== 0;
      break;
    }
    case 'INT64':
    case 'UINT64': {
      // Numbers while a JS (and most JSON) parser reads them exactly; decimal strings beyond that.
      const a = d as BigInt64Array | BigUint64Array;
      for (let i = start; i < end; i++) {
        const b = a[i];
        out[i - start] = b <= BIG_EXACT_LIMIT && b >= -BIG_EXACT_LIMIT ? Number(b) : b.toString();
      }
      break;
    }
    default: {
      const a = d as ArrayLike<number | string>;
      for (let i = start; i < end; i++) out[i - start] = a[i];
    }
  }
  return out;
}

/**
 * A tensor's elements flat, as a v2 JSON response carries them. NaN and ±Infinity stay numbers, which
 * JSON.stringify writes as null: JSON has no spelling for them.
 */
export function tensorToJson(t: Tensor): JsonElement[] {
  return elementsToJson(t, 0, t.data.length);
}

/** Flat row-major values as nested arrays of `shape` (a bare value for shape []). */
export function nest<T>(flat: readonly T[], shape: readonly number[]): Nested<T> {
  if (flat.length !== elementCount(shape)) {
    throw new RangeError(`${flat.length} values cannot be nested as shape [${shape}]`);
  }
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d];
  }
  const build = (depth: number, offset: number): Nested<T> => {
    if (depth === shape.length) return flat[offset];
    const n = shape[depth];
    const out: Nested<T>[] = new Array(n);
    if (depth === shape.length - 1) for (let j = 0; j < n; j++) out[j] = flat[offset + j];
    else for (let j = 0; j < n; j++) out[j] = build(depth + 1, offset + j * strides[depth]);
    return out;
  };
  return build(0, 0);
}

/** The whole tensor nested by its shape. */
export function tensorToNestedJson(t: Tensor): NestedJson {
  return nest(tensorToJson(t), t.shape);
}

/** Row `r` (dim 0 is the batch) nested by the row shape: `[p0, p1, ...]` for a [N, classes] output. */
export function nestedRow(t: Tensor, r: number): NestedJson {
  const rowShape = t.shape.slice(1);
  const size = elementCount(rowShape);
  if (t.shape.length === 0 || !Number.isInteger(r) || r < 0 || r >= t.shape[0]) {
    throw new RangeError(`row ${r} is outside tensor "${t.name}" of shape [${t.shape}]`);
  }
  return nest(elementsToJson(t, r * size, (r + 1) * size), rowShape);
}

/** Every row nested by the row shape: the Azure ML style answer `[[...], [...]]`. */
export function nestedRows(t: Tensor): NestedJson[] {
  if (t.shape.length === 0) throw new RangeError(`tensor "${t.name}" has no batch dimension`);
  return nest(tensorToJson(t), t.shape) as NestedJson[];
}
