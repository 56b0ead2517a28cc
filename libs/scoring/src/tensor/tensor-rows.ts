import { ScoringError } from '../errors.js';
import { allocate } from './datatype.js';
import { fromHalf, isHalfNonFinite } from './fp16.js';
import { LITTLE_ENDIAN_HOST, tensorToBinary } from './tensor-binary.js';
import { elementCount, type Tensor } from './tensor.js';

/** Helpers for tensors whose dimension 0 is the batch: one row per request row, cached and hashed alone. */

function batchDim(t: Tensor): number {
  if (t.shape.length === 0) throw new RangeError(`tensor "${t.name}" is a scalar: it has no batch dimension`);
  return t.shape[0];
}

export function rowCount(t: Tensor): number {
  return batchDim(t);
}

/** Elements per row: the product of every dimension after the batch. */
export function rowSize(t: Tensor): number {
  batchDim(t);
  return elementCount(t.shape.slice(1));
}

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Rows [start, start + count) as their own tensor; typed arrays are views (no copy), strings a shallow copy. */
export function sliceRows(t: Tensor, start: number, count: number): Tensor {
  const rows = batchDim(t);
  if (
    !Number.isInteger(start) ||
    !Number.isInteger(count) ||
    start < 0 ||
    count < 0 ||
    start + count > rows
  ) {
    throw new RangeError(`rows [${start}, ${start + count}) are outside tensor "${t.name}" of ${rows} rows`);
  }
  const size = elementCount(t.shape.slice(1));
  const from = start * size;
  const to = (start + count) * size;
  const data = Array.isArray(t.data) ? t.data.slice(from, to) : t.data.subarray(from, to);
  return { ...t, shape: [count, ...t.shape.slice(1)], data };
}

/**
 * Several tensors' rows as one batch (one inference for several requests). All must share the datatype and
 * the row shape; a single tensor is returned as it is, without a copy.
 */
export function concatRows(tensors: readonly Tensor[]): Tensor {
  if (tensors.length === 0) throw new RangeError('concatRows needs at least one tensor');
  const first = tensors[0];
  const rowShape = first.shape.slice(1);
  batchDim(first);
  let rows = 0;
  for (let i = 0; i < tensors.length; i++) {
    const t = tensors[i];
    if (t.datatype !== first.datatype) {
      throw new ScoringError(
        'INVALID_DATATYPE',
        `tensor ${i} ("${t.name}") is ${t.datatype} but tensor 0 ("${first.name}") is ${first.datatype}: their rows cannot share a batch`,
      );
    }
    if (t.shape.length === 0 || !sameDims(t.shape.slice(1), rowShape)) {
      throw new ScoringError(
        'INVALID_SHAPE',
        `tensor ${i} ("${t.name}") has shape [${t.shape}] but tensor 0 ("${first.name}") has rows of shape [${rowShape}]: their rows cannot share a batch`,
      );
    }
    rows += t.shape[0];
  }
  if (tensors.length === 1) return first;
  const size = elementCount(rowShape);
  const data = allocate(first.datatype, rows * size);
  let off = 0;
  for (const t of tensors) {
    // Same datatype means same storage class, which `set` needs; the casts only hide the union.
    if (Array.isArray(data)) for (const s of t.data as string[]) data[off++] = s;
    else {
      (data as Float32Array).set(t.data as Float32Array, off);
      off += t.shape[0] * size;
    }
  }
  return { name: first.name, datatype: first.datatype, shape: [rows, ...rowShape], data };
}

/**
 * Row `r` as canonical bytes for hashing: the binary extension's encoding of that row, so the same values
 * give the same bytes whichever format they arrived in. Numeric rows are views on little-endian hosts;
 * BYTES rows are length-prefixed, so ["ab", "c"] and ["a", "bc"] differ.
 */
export function rowBytes(t: Tensor, r: number): Uint8Array {
  const rows = batchDim(t);
  if (!Number.isInteger(r) || r < 0 || r >= rows) {
    throw new RangeError(`row ${r} is outside tensor "${t.name}" of ${rows} rows`);
  }
  const d = t.data;
  if (!Array.isArray(d) && LITTLE_ENDIAN_HOST) {
    const bytes = elementCount(t.shape.slice(1)) * d.BYTES_PER_ELEMENT;
    return new Uint8Array(d.buffer, d.byteOffset + r * bytes, bytes);
  }
  return tensorToBinary(sliceRows(t, r, 1));
}

function nonFinite(t: Tensor, i: number, v: number): ScoringError {
  if (t.shape.length === 0) {
    return new ScoringError(
      'NON_FINITE_VALUE',
      `input "${t.name}" value is ${v}; only finite numbers are accepted`,
    );
  }
  const size = elementCount(t.shape.slice(1));
  return new ScoringError(
    'NON_FINITE_VALUE',
    `input "${t.name}" row ${Math.floor(i / size)} value ${i % size} is ${v}; only finite numbers are accepted`,
  );
}

// x * 0 is 0 for every finite x and NaN for NaN and ±Infinity: one branch-free pass, and the search for
// the culprit only when there is one. Four independent sums because a single one waits on each add's
// latency (784x256 FP32: 330 us with one, 140 us with four); two copies keep each loop monomorphic.
function firstNonFinite32(a: Float32Array): number {
  let p0 = 0;
  let p1 = 0;
  let p2 = 0;
  let p3 = 0;
  const n = a.length - (a.length % 4);
  for (let i = 0; i < n; i += 4) {
    p0 += a[i] * 0;
    p1 += a[i + 1] * 0;
    p2 += a[i + 2] * 0;
    p3 += a[i + 3] * 0;
  }
  for (let i = n; i < a.length; i++) p0 += a[i] * 0;
  return p0 + p1 + p2 + p3 === 0 ? -1 : a.findIndex((x) => !Number.isFinite(x));
}

function firstNonFinite64(a: Float64Array): number {
  let p0 = 0;
  let p1 = 0;
  let p2 = 0;
  let p3 = 0;
  const n = a.length - (a.length % 4);
  for (let i = 0; i < n; i += 4) {
    p0 += a[i] * 0;
    p1 += a[i + 1] * 0;
    p2 += a[i + 2] * 0;
    p3 += a[i + 3] * 0;
  }
  for (let i = n; i < a.length; i++) p0 += a[i] * 0;
  return p0 + p1 + p2 + p3 === 0 ? -1 : a.findIndex((x) => !Number.isFinite(x));
}

/**
 * NaN and ±Infinity are refused in FP16/FP32/FP64 tensors: models give meaningless output for them and
 * cache keys would differ by bit pattern. Other datatypes cannot hold them.
 */
export function checkFinite(t: Tensor): void {
  switch (t.datatype) {
    case 'FP32': {
      const a = t.data as Float32Array;
      const i = firstNonFinite32(a);
      if (i >= 0) throw nonFinite(t, i, a[i]);
      return;
    }
    case 'FP64': {
      const a = t.data as Float64Array;
      const i = firstNonFinite64(a);
      if (i >= 0) throw nonFinite(t, i, a[i]);
      return;
    }
    case 'FP16': {
      const a = t.data as Uint16Array;
      for (let i = 0; i < a.length; i++) if (isHalfNonFinite(a[i])) throw nonFinite(t, i, fromHalf(a[i]));
      return;
    }
    default:
      return;
  }
}
