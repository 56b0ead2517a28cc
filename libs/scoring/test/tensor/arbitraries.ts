import fc from 'fast-check';
import { allocate } from '../../src/tensor/datatype.js';
import { elementCount, type DataType, type Tensor } from '../../src/tensor/tensor.js';

export type Element = number | bigint | string;

/**
 * One element in storage form, limited to what v2 JSON can carry: finite, and no -0 (JSON prints it as 0).
 * Binary round trips use raw bytes instead, which cover NaN, infinities and -0.
 */
export function jsonSafeElement(d: DataType): fc.Arbitrary<Element> {
  const noNegativeZero = (x: number) => !Object.is(x, -0);
  switch (d) {
    case 'BOOL':
      return fc.constantFrom(0, 1);
    case 'UINT8':
      return fc.integer({ min: 0, max: 0xff });
    case 'UINT16':
      return fc.integer({ min: 0, max: 0xffff });
    case 'UINT32':
      return fc.integer({ min: 0, max: 0xffffffff });
    case 'INT8':
      return fc.integer({ min: -0x80, max: 0x7f });
    case 'INT16':
      return fc.integer({ min: -0x8000, max: 0x7fff });
    case 'INT32':
      return fc.integer({ min: -0x80000000, max: 0x7fffffff });
    case 'UINT64':
      return fc.oneof(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.bigInt({ min: 0n, max: 1n << 54n }));
    case 'INT64':
      return fc.oneof(
        fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
        fc.bigInt({ min: -(1n << 54n), max: 1n << 54n }),
      );
    case 'FP16':
      // Half bits whose exponent is not all ones (finite), and not -0.
      return fc.integer({ min: 0, max: 0xffff }).filter((h) => (h & 0x7c00) !== 0x7c00 && h !== 0x8000);
    case 'FP32':
      return fc.float({ noNaN: true, noDefaultInfinity: true }).filter(noNegativeZero);
    case 'FP64':
      return fc.double({ noNaN: true, noDefaultInfinity: true }).filter(noNegativeZero);
    case 'BYTES':
      // Whole code points: a lone surrogate has no UTF-8 encoding.
      return fc.string({ unit: 'binary', maxLength: 8 });
  }
}

export const shapeArb = fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 0, maxLength: 3 });

export function tensorOf(datatype: DataType, shape: number[], values: readonly Element[]): Tensor {
  const data = allocate(datatype, values.length);
  for (let i = 0; i < values.length; i++) (data as Element[])[i] = values[i];
  return { name: 'x', datatype, shape, data };
}

export function tensorArb(
  datatype: DataType,
  shape: fc.Arbitrary<number[]> = shapeArb,
  element: fc.Arbitrary<Element> = jsonSafeElement(datatype),
): fc.Arbitrary<Tensor> {
  return shape.chain((s) => {
    const n = elementCount(s);
    return fc.array(element, { minLength: n, maxLength: n }).map((v) => tensorOf(datatype, s, v));
  });
}
