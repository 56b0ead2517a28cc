/**
 * The generic tensor contract every codec, the cache and the model runner share. Datatypes use the Open
 * Inference Protocol v2 names; `datatype.ts` maps them to onnxruntime's and Triton's.
 */
export type DataType =
  | 'BOOL'
  | 'UINT8'
  | 'UINT16'
  | 'UINT32'
  | 'UINT64'
  | 'INT8'
  | 'INT16'
  | 'INT32'
  | 'INT64'
  | 'FP16'
  | 'FP32'
  | 'FP64'
  | 'BYTES';

/**
 * Element storage per datatype, as onnxruntime-node takes and returns it: BOOL as 0/1 bytes, FP16 as its
 * IEEE half bits, 64-bit integers as BigInt arrays, BYTES as UTF-8 strings.
 */
export type TensorData =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | BigUint64Array
  | BigInt64Array
  | Float32Array
  | Float64Array
  | string[];

export interface Tensor {
  name: string;
  datatype: DataType;
  /** Full shape, batch dimension included when the model has one. */
  shape: number[];
  /** Row-major elements; length is the product of `shape`. */
  data: TensorData;
}

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
