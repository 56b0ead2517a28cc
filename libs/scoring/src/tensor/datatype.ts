import type { DataType, TensorData } from './tensor.js';

type TypedArrayConstructor =
  | Uint8ArrayConstructor
  | Int8ArrayConstructor
  | Uint16ArrayConstructor
  | Int16ArrayConstructor
  | Uint32ArrayConstructor
  | Int32ArrayConstructor
  | BigUint64ArrayConstructor
  | BigInt64ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor;

/** onnxruntime-node's element type names (`Tensor.Type`) for the types v2 can carry. */
export type OrtType =
  | 'bool'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'float16'
  | 'float32'
  | 'float64'
  | 'string';

export interface DataTypeInfo {
  /** Bytes per element; undefined for BYTES, whose elements each have their own length. */
  readonly bytes: number | undefined;
  /** Storage for the elements; undefined for BYTES, which is held as `string[]`. */
  readonly array: TypedArrayConstructor | undefined;
  readonly ort: OrtType;
  /** The `data_type` name a Triton `config.pbtxt` uses. */
  readonly triton: string;
  readonly kind: 'bool' | 'integer' | 'float' | 'bytes';
}

/**
 * The one table every codec reads: keeping sizes, storage and the two foreign names side by side means a
 * datatype cannot be half supported.
 */
export const DATATYPE_INFO: Readonly<Record<DataType, DataTypeInfo>> = {
  BOOL: { bytes: 1, array: Uint8Array, ort: 'bool', triton: 'TYPE_BOOL', kind: 'bool' },
  UINT8: { bytes: 1, array: Uint8Array, ort: 'uint8', triton: 'TYPE_UINT8', kind: 'integer' },
  UINT16: { bytes: 2, array: Uint16Array, ort: 'uint16', triton: 'TYPE_UINT16', kind: 'integer' },
  UINT32: { bytes: 4, array: Uint32Array, ort: 'uint32', triton: 'TYPE_UINT32', kind: 'integer' },
  UINT64: { bytes: 8, array: BigUint64Array, ort: 'uint64', triton: 'TYPE_UINT64', kind: 'integer' },
  INT8: { bytes: 1, array: Int8Array, ort: 'int8', triton: 'TYPE_INT8', kind: 'integer' },
  INT16: { bytes: 2, array: Int16Array, ort: 'int16', triton: 'TYPE_INT16', kind: 'integer' },
  INT32: { bytes: 4, array: Int32Array, ort: 'int32', triton: 'TYPE_INT32', kind: 'integer' },
  INT64: { bytes: 8, array: BigInt64Array, ort: 'int64', triton: 'TYPE_INT64', kind: 'integer' },
  FP16: { bytes: 2, array: Uint16Array, ort: 'float16', triton: 'TYPE_FP16', kind: 'float' },
  FP32: { bytes: 4, array: Float32Array, ort: 'float32', triton: 'TYPE_FP32', kind: 'float' },
  FP64: { bytes: 8, array: Float64Array, ort: 'float64', triton: 'TYPE_FP64', kind: 'float' },
  BYTES: { bytes: undefined, array: undefined, ort: 'string', triton: 'TYPE_STRING', kind: 'bytes' },
};

/** Every v2 datatype, in the order the protocol lists them (error messages print this list). */
export const DATATYPES: readonly DataType[] = [
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'FP32',
  'FP64',
  'BYTES',
];

const BY_ORT = new Map<string, DataType>(DATATYPES.map((d) => [DATATYPE_INFO[d].ort, d]));
const BY_TRITON = new Map<string, DataType>(DATATYPES.map((d) => [DATATYPE_INFO[d].triton, d]));

export function isDataType(s: string): s is DataType {
  return Object.hasOwn(DATATYPE_INFO, s);
}

/** The v2 datatype of an onnxruntime element type; undefined for those v2 cannot carry (int4, bfloat16...). */
export function fromOrtType(t: string): DataType | undefined {
  return BY_ORT.get(t);
}

/** The v2 datatype of a Triton config `data_type`; undefined for those v2 cannot carry (TYPE_BF16...). */
export function fromTritonType(t: string): DataType | undefined {
  return BY_TRITON.get(t);
}

export function ortType(d: DataType): OrtType {
  return DATATYPE_INFO[d].ort;
}

export function tritonType(d: DataType): string {
  return DATATYPE_INFO[d].triton;
}

/** Bytes per element; undefined for BYTES. */
export function bytesPerElement(d: DataType): number | undefined {
  return DATATYPE_INFO[d].bytes;
}

export function isFloat(d: DataType): boolean {
  return DATATYPE_INFO[d].kind === 'float';
}

/** Integer datatypes, signed or not; BOOL is not one of them. */
export function isInteger(d: DataType): boolean {
  return DATATYPE_INFO[d].kind === 'integer';
}

/** Zeroed storage for `count` elements (empty strings for BYTES). */
export function allocate(d: DataType, count: number): TensorData {
  const Storage = DATATYPE_INFO[d].array;
  return Storage ? new Storage(count) : new Array<string>(count).fill('');
}
