import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DATATYPES } from '../../src/tensor/datatype.js';
import { toHalf } from '../../src/tensor/fp16.js';
import {
  checkFinite,
  concatRows,
  rowBytes,
  rowCount,
  rowSize,
  sliceRows,
} from '../../src/tensor/tensor-rows.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { codeOf } from '../support/codes.js';
import { jsonSafeElement, tensorArb, tensorOf } from './arbitraries.js';
import { messageOf } from '../support/codes.js';

const values = (t: Tensor) => Array.from(t.data as ArrayLike<unknown>);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
/** Shapes with a batch dimension: [rows, ...row shape]. */
const batchedShape = fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 3 });

describe('tensor rows', () => {
  it('counts rows and elements per row', () => {
    const t = tensorOf('FP32', [3, 2, 4], new Array(24).fill(0));
    expect(rowCount(t)).toBe(3);
    expect(rowSize(t)).toBe(8);
    expect(rowSize(tensorOf('FP32', [5], [1, 2, 3, 4, 5]))).toBe(1);
    expect(() => rowCount(tensorOf('FP32', [], [1]))).toThrow(RangeError);
  });

  it('slices rows as views of typed arrays', () => {
    const t = tensorOf('INT32', [3, 2], [1, 2, 3, 4, 5, 6]);
    const s = sliceRows(t, 1, 2);
    expect(s.shape).toEqual([2, 2]);
    expect(values(s)).toEqual([3, 4, 5, 6]);
    (t.data as Int32Array)[2] = 30;
    expect((s.data as Int32Array)[0]).toBe(30);
    expect(sliceRows(t, 3, 0).shape).toEqual([0, 2]);
    expect(values(sliceRows(tensorOf('BYTES', [3], ['a', 'b', 'c']), 1, 1))).toEqual(['b']);
    expect(() => sliceRows(t, 2, 2)).toThrow(RangeError);
    expect(() => sliceRows(t, -1, 1)).toThrow(RangeError);
  });

  describe.each(DATATYPES)('%s', (d) => {
    it('concatenates slices back into the tensor (fast-check)', () => {
      fc.assert(
        fc.property(tensorArb(d, batchedShape), fc.array(fc.nat(), { maxLength: 4 }), (t, cuts) => {
          const rows = t.shape[0];
          const bounds = [...new Set([0, rows, ...cuts.map((c) => c % (rows + 1))])].sort((a, b) => a - b);
          const parts: Tensor[] = [];
          for (let i = 0; i + 1 < bounds.length; i++)
            parts.push(sliceRows(t, bounds[i], bounds[i + 1] - bounds[i]));
          if (parts.length === 0) parts.push(sliceRows(t, 0, 0));
          const back = concatRows(parts);
          expect(back.shape).toEqual(t.shape);
          expect(back.datatype).toBe(d);
          expect(back.data.constructor).toBe(t.data.constructor);
          expect(values(back)).toEqual(values(t));
        }),
        { numRuns: 200 },
      );
    });

    it('gives equal rows equal bytes and different rows different bytes (fast-check)', () => {
      const row = fc.array(jsonSafeElement(d), { minLength: 3, maxLength: 3 });
      fc.assert(
        fc.property(row, row, (a, b) => {
          const t = tensorOf(d, [2, 3], [...a, ...b]);
          const same = values(sliceRows(t, 0, 1)).every((v, i) =>
            Object.is(v, values(sliceRows(t, 1, 1))[i]),
          );
          expect(hex(rowBytes(t, 0)) === hex(rowBytes(t, 1))).toBe(same);
        }),
        { numRuns: 300 },
      );
    });
  });

  it('returns a single tensor as it is', () => {
    const t = tensorOf('FP32', [1, 2], [1, 2]);
    expect(concatRows([t])).toBe(t);
  });

  it('refuses rows of different datatypes or row shapes', () => {
    const a = tensorOf('FP32', [1, 2], [1, 2]);
    expect(codeOf(() => concatRows([a, tensorOf('FP64', [1, 2], [1, 2])]))).toBe('INVALID_DATATYPE');
    expect(codeOf(() => concatRows([a, tensorOf('FP32', [1, 3], [1, 2, 3])]))).toBe('INVALID_SHAPE');
    expect(codeOf(() => concatRows([a, tensorOf('FP32', [2], [1, 2])]))).toBe('INVALID_SHAPE');
    expect(messageOf(() => concatRows([a, tensorOf('FP32', [1, 3], [1, 2, 3])]))).toContain('tensor 1');
    expect(() => concatRows([])).toThrow(RangeError);
  });

  it('encodes a row as its little-endian bytes, the same bytes the old float32 keys hashed', () => {
    const t = tensorOf('FP32', [2, 2], [1.5, -2, 0.25, 8]);
    expect(hex(rowBytes(t, 1))).toBe('0000803e00000041');
    const data = t.data as Float32Array;
    expect(hex(rowBytes(t, 1))).toBe(hex(new Uint8Array(data.buffer, data.byteOffset + 8, 8)));
    expect(hex(rowBytes(tensorOf('INT64', [2], [1n, -1n]), 1))).toBe('ffffffffffffffff');
    expect(() => rowBytes(t, 2)).toThrow(RangeError);
  });

  it('length-prefixes BYTES rows, so a different split of the same characters differs', () => {
    const t = tensorOf('BYTES', [2, 2], ['ab', 'c', 'a', 'bc']);
    expect(hex(rowBytes(t, 0))).not.toBe(hex(rowBytes(t, 1)));
    const u = tensorOf('BYTES', [2, 2], ['', 'x', 'x', '']);
    expect(hex(rowBytes(u, 0))).not.toBe(hex(rowBytes(u, 1)));
    expect(hex(rowBytes(t, 0))).toBe('02000000616201000000' + '63');
  });

  describe('checkFinite', () => {
    it('accepts finite floats and every non-float datatype', () => {
      expect(() => checkFinite(tensorOf('FP32', [2, 3], [1, 2, 3, -0, 1e38, -5]))).not.toThrow();
      expect(() => checkFinite(tensorOf('FP16', [1], [toHalf(65504)]))).not.toThrow();
      expect(() => checkFinite(tensorOf('INT32', [1], [7]))).not.toThrow();
      expect(() => checkFinite(tensorOf('BYTES', [1], ['NaN']))).not.toThrow();
    });

    it('names the input, the row and the position', () => {
      const t = { ...tensorOf('FP32', [2, 3], [1, 2, 3, 4, 5, NaN]), name: 'features' };
      expect(messageOf(() => checkFinite(t))).toBe(
        'input "features" row 1 value 2 is NaN; only finite numbers are accepted',
      );
      const h = tensorOf('FP16', [3, 1], [0, toHalf(-Infinity), 0]);
      expect(messageOf(() => checkFinite(h))).toBe(
        'input "x" row 1 value 0 is -Infinity; only finite numbers are accepted',
      );
      expect(codeOf(() => checkFinite(tensorOf('FP16', [1], [0x7e00])))).toBe('NON_FINITE_VALUE');
      expect(codeOf(() => checkFinite(tensorOf('FP64', [1, 2], [0, Infinity])))).toBe('NON_FINITE_VALUE');
      expect(messageOf(() => checkFinite(tensorOf('FP32', [], [NaN])))).toBe(
        'input "x" value is NaN; only finite numbers are accepted',
      );
      // 1e39 read from JSON overflows float32 to Infinity: refused here.
      expect(codeOf(() => checkFinite(tensorOf('FP32', [1], [1e39])))).toBe('NON_FINITE_VALUE');
    });

    it('finds a non-finite value anywhere, whatever the length (fast-check)', () => {
      fc.assert(
        fc.property(
          fc.constantFrom('FP32' as const, 'FP64' as const),
          fc.integer({ min: 1, max: 37 }),
          fc.nat(),
          fc.constantFrom(NaN, Infinity, -Infinity),
          (d, n, pos, bad) => {
            const vals = new Array(n).fill(1);
            vals[pos % n] = bad;
            const msg = messageOf(() => checkFinite(tensorOf(d, [n], vals)));
            expect(msg).toContain(`row ${pos % n} value 0 is ${bad}`);
          },
        ),
      );
    });
  });
});
