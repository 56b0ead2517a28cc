import { fromTritonType } from '../tensor/datatype.js';
import type { DataType } from '../tensor/tensor.js';
import type { TensorConfig } from './model-config.js';

/** An input or output as the scoring path uses it, derived once from the effective config. */
export interface IoSpec {
  name: string;
  datatype: DataType;
  /** Shape of one row when the model is batched (batch dim excluded), else the whole shape; -1 = any. */
  dims: number[];
  /** Elements per row when every dim is fixed, else undefined. */
  size: number | undefined;
}

export function ioSpec(t: TensorConfig): IoSpec {
  const fixed = t.dims.every((d) => d > 0);
  return {
    name: t.name,
    datatype: fromTritonType(t.data_type)!,
    dims: t.dims,
    size: fixed ? t.dims.reduce((a, b) => a * b, 1) : undefined,
  };
}

/** True when `shape` (a row's, or the whole tensor's) fits `dims` (-1 matches any size). */
export function fitsDims(shape: readonly number[], dims: readonly number[]): boolean {
  return shape.length === dims.length && shape.every((d, i) => dims[i] === -1 || dims[i] === d);
}

export function describeDims(dims: readonly number[], batched: boolean): string {
  const parts = dims.map((d) => (d === -1 ? '*' : String(d)));
  return `[${(batched ? ['N', ...parts] : parts).join(', ')}]`;
}
