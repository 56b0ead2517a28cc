import { ScoringError } from '../errors.js';
import { allocate } from './datatype.js';
import { fromHalf, toHalf } from './fp16.js';
import { elementCount, type DataType, type Tensor, type TensorData } from './tensor.js';

/** One element as a v2 JSON response carries it. */
export type JsonElement = number | boolean | string;
export type NestedJson = JsonElement | NestedJson[];
export type Nested<T> = T | Nested<T>[];

/**
 * Checks a v2 `shape` (it arrives in the JSON header for binary inputs too) and returns its element count.
 * The product must stay a safe integer so that no later size computation silently loses precision.
 */
export function checkShape(name: string, shape: readonly number[]): number {
  if (!Array.isArray(shape)) {
    throw new ScoringError('INVALID_SHAPE', `input "${name}" shape must be an array of dimensions`);
  }
  let count = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw new ScoringError(
        'INVALID_SHAPE',
        `input "${name}" shape ${JSON.stringify(shape)}: dimension ${i} must be a non-negative integer`,
      );
    }
    count *= d;
  }
  if (!Number.isSafeInteger(count)) {
    throw new ScoringError('INVALID_SHAPE', `input "${name}" shape [${shape}] holds too many elements`);
  }
  return count;
}

const INT_RANGE: Partial<Record<DataType, readonly [number, number]>> = {
  UINT8: [0, 0xff],
  UINT16: [0, 0xffff],
  UINT32: [0, 0xffffffff],
  INT8: [-0x80, 0x7f],
  INT16: [-0x8000, 0x7fff],
  INT32: [-0x80000000, 0x7fffffff],
};

const BIG_RANGE = {
  UINT64: [0n, (1n << 64n) - 1n],
  INT64: [-(1n << 63n), (1n << 63n) - 1n],
} as const;

/** Beyond 2^53 a JSON number may already have been rounded by the parser: such values must come as strings. */
const EXACT_LIMIT = 2 ** 53;
const BIG_EXACT_LIMIT = 1n << 53n;
/** At most 20 significant digits (2^64 has 20): longer strings are out of range without parsing them. */
const DECIMAL = /^(-?)0*([0-9]{1,20})$/;

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return String(v);
}

/** Stores element `i` of the tensor being built, or throws the reason `v` does not fit the datatype. */
type Put = (v: unknown, i: number) => void;

function putter(
  datatype: DataType,
  out: TensorData,
  bad: (i: number, v: unknown, takes: string) => Error,
): Put {
  switch (datatype) {
    case 'FP32': {
      // Values beyond float32's range become ±Infinity here; checkFinite refuses them like any non-finite.
      const a = out as Float32Array;
      return (v, i) => {
        if (typeof v !== 'number') throw bad(i, v, 'numbers');
        a[i] = v;
      };
    }
    case 'FP64': {
      // A case of its own so that the FP32 store above only ever sees Float32Array (stays monomorphic).
      const a = out as Float64Array;
      return (v, i) => {
        if (typeof v !== 'number') throw bad(i, v, 'numbers');
        a[i] = v;
      };
    }
    case 'FP16': {
      const a = out as Uint16Array;
      return (v, i) => {
        if (typeof v !== 'number') throw bad(i, v, 'numbers');
        a[i] = toHalf(v);
      };
    }
    case 'BOOL': {
      const a = out as Uint8Array;
      return (v, i) => {
        if (v === true || v === 1) a[i] = 1;
        else if (v === false || v === 0) a[i] = 0;
        else throw bad(i, v, 'true or false (or 1 or 0)');
      };
    }
    case 'BYTES': {
      const a = out as string[];
      return (v, i) => {
        if (typeof v !== 'string') throw bad(i, v, 'strings');
        a[i] = v;
      };
    }
    case 'INT64':
    case 'UINT64': {
      const a = out as BigInt64Array | BigUint64Array;
      const [min, max] = BIG_RANGE[datatype];
      const takes = `integers from ${min} to ${max}; beyond ±2^53 as decimal strings ("${max}")`;
      return (v, i) => {
        let b: bigint | undefined;
        if (typeof v === 'number') {
          if (Number.isInteger(v) && Math.abs(v) <= EXACT_LIMIT) b = BigInt(v);
        } else if (typeof v === 'string') {
          const m = DECIMAL.exec(v);
          if (m) b = BigInt(m[1] + m[2]);
        }
        if (b === undefined || b < min || b > max) throw bad(i, v, takes);
        a[i] = b;
      };
    }
    default: {
      const [min, max] = INT_RANGE[datatype]!;
      const a = out as Uint8Array | Uint16Array | Uint32Array | Int8Array | Int16Array | Int32Array;
      return (v, i) => {
        if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
          throw bad(i, v, `integers from ${min} to ${max}`);
        }
        a[i] = v;
      };
    }
  }
}

/** `[1][2]` for flat index 5 of shape [2, 3]: where to look in the nested data the client sent. */
function pathOf(i: number, shape: readonly number[]): string {
  const parts: string[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    parts.push(`[${i % shape[d]}]`);
    i = Math.floor(i / shape[d]);
  }
  return parts.reverse().join('');
}

/** Checks that nested `data` has exactly the arrays and lengths `shape` calls for (its leaves come later). */
function checkNesting(name: string, shape: readonly number[], data: unknown[], count: number): void {
  const at: number[] = [];
  const where = () => at.map((j) => `[${j}]`).join('');
  const walk = (v: unknown[], depth: number): void => {
    if (v.length !== shape[depth]) {
      const flatHint = depth === 0 ? ` (or ${count} values flat)` : '';
      throw new ScoringError(
        'INVALID_SHAPE',
        `input "${name}" "data"${where()} holds ${v.length} entries; shape [${shape}] needs ${shape[depth]} there${flatHint}`,
      );
    }
    if (depth === shape.length - 1) return;
    for (let j = 0; j < v.length; j++) {
      const child = v[j];
      at.push(j);
      if (!Array.isArray(child)) {
        throw new ScoringError(
          'INVALID_SHAPE',
          `input "${name}" "data"${where()} is ${describe(child)}, not an array; shape [${shape}] nests ${shape.length} levels deep`,
        );
      }
      walk(child, depth + 1);
      at.pop();
    }
  };
  walk(data, 0);
}

/**
 * A v2 JSON input as a tensor. `data` may be flat (row-major) or nested exactly as `shape`; the protocol
 * allows both. Every refusal names the input and the element so the client can find it.
 */
export function tensorFromJson(name: string, datatype: DataType, shape: number[], data: unknown): Tensor {
  const count = checkShape(name, shape);
  const shapeText = `[${shape}]`;
  // A rank-0 tensor nested "exactly as its shape" is the bare value.
  const scalar = shape.length === 0 && !Array.isArray(data);
  if (!Array.isArray(data) && !scalar) {
    throw new ScoringError(
      'INVALID_SHAPE',
      `input "${name}" "data" is ${describe(data)}; it must be an array of ${count} values, flat or nested as shape ${shapeText}`,
    );
  }
  // Nested data starts with an array; anything else is read as flat (and a stray array in it is refused).
  const flat =
    scalar || shape.length <= 1 || (data as unknown[]).length === 0 || !Array.isArray((data as unknown[])[0]);
  // The layout is checked before allocating, so the allocation is bounded by what the client actually sent
  // (a huge shape with little data is refused, not attempted).
  if (flat && !scalar && (data as unknown[]).length !== count) {
    throw new ScoringError(
      'INVALID_SHAPE',
      `input "${name}" "data" holds ${(data as unknown[]).length} values; shape ${shapeText} needs ${count}`,
    );
  }
  if (!flat) checkNesting(name, shape, data as unknown[], count);
  const out = allocate(datatype, count);
  const put = putter(datatype, out, (i, v, takes) => {
    const where = flat ? `element ${i}` : `element ${i} (${pathOf(i, shape)})`;
    if (Array.isArray(v)) {
      return new ScoringError(
        'INVALID_SHAPE',
        `input "${name}" ${where} is an array: "data" is nested deeper than shape ${shapeText}`,
      );
    }
    return new ScoringError(
      'INVALID_DATATYPE',
      `input "${name}" ${where} is ${describe(v)}; ${datatype} takes ${takes}`,
    );
  });
  if (scalar) put(data, 0);
  else if (flat) {
    const a = data as unknown[];
    for (let i = 0; i < count; i++) put(a[i], i);
  } else {
    let k = 0;
    const last = shape.length - 1;
    const fill = (v: unknown[], depth: number): void => {
      if (depth === last) for (let j = 0; j < v.length; j++) put(v[j], k++);
      else for (let j = 0; j < v.length; j++) fill(v[j] as unknown[], depth + 1);
    };
    fill(data as unknown[], 0);
  }
  return { name, datatype, shape: [...shape], data: out };
}

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
