import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import {
  DATATYPE_INFO,
  DATATYPES,
  allocate,
  bytesPerElement,
  fromOrtType,
  fromTritonType,
  isDataType,
  isFloat,
  isInteger,
  ortType,
  tritonType,
} from '../../src/tensor/datatype.js';

describe('datatype table', () => {
  it('lists every v2 datatype once, in protocol order', () => {
    expect(DATATYPES).toEqual([
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
    ]);
    expect(Object.keys(DATATYPE_INFO).sort()).toEqual([...DATATYPES].sort());
  });

  it.each(DATATYPES)('%s maps to onnxruntime and Triton names and back', (d) => {
    expect(isDataType(d)).toBe(true);
    expect(fromOrtType(ortType(d))).toBe(d);
    expect(fromTritonType(tritonType(d))).toBe(d);
  });

  it('uses the names onnxruntime and Triton use', () => {
    expect(DATATYPES.map(ortType)).toEqual([
      'bool',
      'uint8',
      'uint16',
      'uint32',
      'uint64',
      'int8',
      'int16',
      'int32',
      'int64',
      'float16',
      'float32',
      'float64',
      'string',
    ]);
    expect(tritonType('BYTES')).toBe('TYPE_STRING');
    expect(tritonType('FP16')).toBe('TYPE_FP16');
    expect(tritonType('BOOL')).toBe('TYPE_BOOL');
    expect(fromTritonType('TYPE_STRING')).toBe('BYTES');
  });

  it('refuses names it does not know', () => {
    for (const t of ['int4', 'uint4', 'bfloat16', 'float', 'FP32', ''])
      expect(fromOrtType(t)).toBeUndefined();
    for (const t of ['TYPE_BF16', 'TYPE_INVALID', 'FP32', 'TYPE_BYTES'])
      expect(fromTritonType(t)).toBeUndefined();
    for (const s of ['FP8', 'fp32', 'STRING', 'toString', 'constructor', '__proto__'])
      expect(isDataType(s)).toBe(false);
  });

  it('splits datatypes into float, integer, BOOL and BYTES', () => {
    expect(DATATYPES.filter(isFloat)).toEqual(['FP16', 'FP32', 'FP64']);
    expect(DATATYPES.filter(isInteger)).toEqual([
      'UINT8',
      'UINT16',
      'UINT32',
      'UINT64',
      'INT8',
      'INT16',
      'INT32',
      'INT64',
    ]);
  });

  it.each(DATATYPES)('allocates zeroed %s storage of the right element size', (d) => {
    const data = allocate(d, 3);
    expect(data.length).toBe(3);
    if (d === 'BYTES') {
      expect(data).toEqual(['', '', '']);
      expect(bytesPerElement(d)).toBeUndefined();
    } else {
      expect(data).toBeInstanceOf(DATATYPE_INFO[d].array!);
      expect((data as Uint8Array).BYTES_PER_ELEMENT).toBe(bytesPerElement(d));
      expect(Array.from(data as ArrayLike<number | bigint>, (x) => Number(x))).toEqual([0, 0, 0]);
    }
  });

  it.each(DATATYPES)('onnxruntime-node accepts %s storage under its type name', (d) => {
    const t = new ort.Tensor(ortType(d) as ort.Tensor.Type, allocate(d, 2) as ort.Tensor.DataType, [2]);
    expect(t.type).toBe(ortType(d));
    expect(fromOrtType(t.type)).toBe(d);
  });
});
