import { ScoringError } from '../errors.js';
import { allocate } from './datatype.js';
import { toHalf } from './fp16.js';
import { type DataType, type Tensor, type TensorData } from './tensor.js';

// v2 JSON tensors in: `data` (flat or nested as the shape) checked and packed into typed arrays.

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
