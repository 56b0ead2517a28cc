import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScoringError } from '../../src/errors.js';
import { DATATYPES } from '../../src/tensor/datatype.js';
import { fromHalf, toHalf } from '../../src/tensor/fp16.js';
import { checkShape, tensorFromJson } from '../../src/tensor/tensor-from-json.js';
import {
  nest,
  nestedRow,
  nestedRows,
  shortestFloat32,
  shortestHalf,
  tensorToJson,
  tensorToNestedJson,
} from '../../src/tensor/tensor-to-json.js';
import type { DataType, Tensor } from '../../src/tensor/tensor.js';
import { codeOf } from '../support/codes.js';
import { tensorArb, tensorOf } from './arbitraries.js';
import { messageOf } from '../support/codes.js';

const viaJsonText = (v: unknown): unknown => JSON.parse(JSON.stringify(v));
const values = (t: Tensor) => Array.from(t.data as ArrayLike<unknown>);

/** The first number of significant digits whose decimal reads back as `x`, trying them all in order. */
function linearShortest(x: number, maxDigits: number, same: (y: number) => boolean): number {
  for (let p = 1; p < maxDigits; p++) if (same(Number(x.toPrecision(p)))) return Number(x.toPrecision(p));
  return Number(x.toPrecision(maxDigits));
}

describe('v2 JSON tensors', () => {
  describe.each(DATATYPES)('%s', (d: DataType) => {
    it('round-trips through flat JSON text (fast-check)', () => {
      fc.assert(
        fc.property(tensorArb(d), (t) => {
          const back = tensorFromJson('x', d, t.shape, viaJsonText(tensorToJson(t)));
          expect(back.datatype).toBe(d);
          expect(back.shape).toEqual(t.shape);
          expect(back.data.constructor).toBe(t.data.constructor);
          expect(values(back)).toEqual(values(t));
        }),
        { numRuns: 300 },
      );
    });

    it('round-trips through nested JSON text (fast-check)', () => {
      fc.assert(
        fc.property(tensorArb(d), (t) => {
          const back = tensorFromJson('x', d, t.shape, viaJsonText(tensorToNestedJson(t)));
          expect(values(back)).toEqual(values(t));
        }),
        { numRuns: 300 },
      );
    });
  });

  it('reads nested and flat data alike', () => {
    const nested = tensorFromJson(
      'x',
      'INT32',
      [2, 3],
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
    );
    const flat = tensorFromJson('x', 'INT32', [2, 3], [1, 2, 3, 4, 5, 6]);
    expect(nested).toEqual(flat);
    expect(flat.data).toEqual(new Int32Array([1, 2, 3, 4, 5, 6]));
    expect(values(tensorFromJson('x', 'FP32', [3, 1], [[1], [2], [3]]))).toEqual([1, 2, 3]);
    expect(
      values(
        tensorFromJson(
          'x',
          'FP32',
          [1, 2, 2],
          [
            [
              [1, 2],
              [3, 4],
            ],
          ],
        ),
      ),
    ).toEqual([1, 2, 3, 4]);
    expect(values(tensorFromJson('x', 'FP64', [], 2.5))).toEqual([2.5]);
    expect(values(tensorFromJson('x', 'FP64', [], [2.5]))).toEqual([2.5]);
    expect(values(tensorFromJson('x', 'FP32', [2, 0], [[], []]))).toEqual([]);
    expect(values(tensorFromJson('x', 'FP32', [0, 3], []))).toEqual([]);
  });

  it("does not keep the caller's shape array", () => {
    const shape = [2];
    const t = tensorFromJson('x', 'UINT8', shape, [1, 2]);
    shape[0] = 5;
    expect(t.shape).toEqual([2]);
  });

  it("converts each datatype's JSON spellings", () => {
    expect(values(tensorFromJson('x', 'BOOL', [4], [true, false, 1, 0]))).toEqual([1, 0, 1, 0]);
    expect(values(tensorFromJson('x', 'FP16', [3], [1, 0.1, 70000]))).toEqual([0x3c00, 0x2e66, 0x7c00]);
    expect(
      values(tensorFromJson('x', 'INT64', [4], [-5, 2 ** 53, '-9223372036854775808', '9223372036854775807'])),
    ).toEqual([-5n, 2n ** 53n, -(2n ** 63n), 2n ** 63n - 1n]);
    expect(values(tensorFromJson('x', 'UINT64', [2], ['18446744073709551615', 7]))).toEqual([
      2n ** 64n - 1n,
      7n,
    ]);
    // Leading zeros do not count against the 20 significant digits.
    const padded = ['007', '-0', `${'0'.repeat(40)}18446744073709551615`];
    expect(values(tensorFromJson('x', 'UINT64', [3], padded))).toEqual([7n, 0n, 2n ** 64n - 1n]);
    expect(values(tensorFromJson('x', 'BYTES', [3], ['héllo', '日本語', '🙂']))).toEqual([
      'héllo',
      '日本語',
      '🙂',
    ]);
    expect(values(tensorFromJson('x', 'INT8', [2], [-128, -0]))).toEqual([-128, 0]);
    // Beyond float32's range becomes infinity here; checkFinite is what refuses it.
    expect(values(tensorFromJson('x', 'FP32', [1], [1e39]))).toEqual([Infinity]);
  });

  it.each([
    ['UINT8', 300],
    ['UINT8', -1],
    ['INT8', -129],
    ['INT8', 128],
    ['UINT16', 65536],
    ['INT16', -32769],
    ['UINT32', 2 ** 32],
    ['INT32', 2 ** 31],
    ['INT32', 1.5],
    ['UINT8', '3'],
    ['UINT8', true],
    ['INT64', 2 ** 53 + 2],
    ['INT64', 1.5],
    ['INT64', '9223372036854775808'],
    ['INT64', '-9223372036854775809'],
    ['INT64', '12a'],
    ['INT64', '1e3'],
    ['INT64', ''],
    ['INT64', ' 1'],
    ['INT64', '-'],
    ['INT64', '9'.repeat(10000)],
    ['UINT64', -1],
    ['UINT64', '-1'],
    ['UINT64', '18446744073709551616'],
    ['BOOL', 2],
    ['BOOL', 'true'],
    ['BOOL', null],
    ['FP32', '1'],
    ['FP32', null],
    ['FP32', {}],
    ['FP16', false],
    ['FP64', undefined],
    ['BYTES', 5],
    ['BYTES', null],
  ] as [DataType, unknown][])('refuses %s element %j as INVALID_DATATYPE', (d, v) => {
    expect(codeOf(() => tensorFromJson('x', d, [2], [d === 'BYTES' ? 'ok' : 0, v]))).toBe('INVALID_DATATYPE');
  });

  it('names the input, the element and what the datatype takes', () => {
    expect(messageOf(() => tensorFromJson('pixels', 'UINT8', [3], [1, 2, 300]))).toBe(
      'input "pixels" element 2 is 300; UINT8 takes integers from 0 to 255',
    );
    expect(
      messageOf(() =>
        tensorFromJson(
          'ids',
          'INT32',
          [2, 2],
          [
            [1, 2],
            [3, 0.5],
          ],
        ),
      ),
    ).toBe('input "ids" element 3 ([1][1]) is 0.5; INT32 takes integers from -2147483648 to 2147483647');
    expect(messageOf(() => tensorFromJson('x', 'FP32', [2], [1, 'a']))).toBe(
      'input "x" element 1 is "a"; FP32 takes numbers',
    );
    const big = messageOf(() => tensorFromJson('ids', 'INT64', [1], [2 ** 60]));
    expect(big).toContain('input "ids" element 0');
    expect(big).toContain('decimal strings');
  });

  it.each([
    ['too few flat values', [2, 3], [1, 2, 3, 4, 5]],
    ['too many flat values', [2, 3], [1, 2, 3, 4, 5, 6, 7]],
    ['no values', [2, 3], []],
    ['too few rows', [2, 3], [[1, 2, 3]]],
    [
      'a short inner row',
      [2, 3],
      [
        [1, 2, 3],
        [4, 5],
      ],
    ],
    [
      'a long inner row',
      [2, 3],
      [
        [1, 2, 3],
        [4, 5, 6, 7],
      ],
    ],
    ['a value where a row belongs', [2, 3], [[1, 2, 3], 4]],
    ['nesting deeper than the shape', [2], [[1], [2]]],
    ['nesting deeper inside', [1, 2], [[[1], [2]]]],
    ['an array inside flat data', [2, 2], [1, 2, [3], 4]],
    ['data that is not an array', [2], 5],
    ['data that is an object', [1], { a: 1 }],
    ['data that is a string', [1], 'abc'],
  ])('refuses %s as INVALID_SHAPE', (_, shape, data) => {
    expect(codeOf(() => tensorFromJson('x', 'FP32', shape as number[], data))).toBe('INVALID_SHAPE');
  });

  it('says where nested data departs from the shape', () => {
    expect(messageOf(() => tensorFromJson('x', 'FP32', [2, 3], [1, 2, 3, 4, 5]))).toBe(
      'input "x" "data" holds 5 values; shape [2,3] needs 6',
    );
    expect(
      messageOf(() =>
        tensorFromJson(
          'x',
          'FP32',
          [2, 3],
          [
            [1, 2, 3],
            [4, 5],
          ],
        ),
      ),
    ).toBe('input "x" "data"[1] holds 2 entries; shape [2,3] needs 3 there');
    expect(messageOf(() => tensorFromJson('x', 'FP32', [2, 3], [[1, 2, 3]]))).toContain('(or 6 values flat)');
  });

  it.each([[[-1]], [[1.5]], [['2']], [[2 ** 30, 2 ** 30]], [[NaN]], ['abc']])(
    'refuses shape %j as INVALID_SHAPE',
    (shape) => {
      expect(codeOf(() => tensorFromJson('x', 'FP32', shape as number[], []))).toBe('INVALID_SHAPE');
      expect(codeOf(() => checkShape('x', shape as number[]))).toBe('INVALID_SHAPE');
    },
  );

  it('never allocates for a shape the data does not back', () => {
    expect(codeOf(() => tensorFromJson('x', 'FP64', [2 ** 40], [1]))).toBe('INVALID_SHAPE');
    expect(codeOf(() => tensorFromJson('x', 'BYTES', [2 ** 40, 1], [['a']]))).toBe('INVALID_SHAPE');
  });

  it('fails on any JSON value only with INVALID_SHAPE or INVALID_DATATYPE (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...DATATYPES),
        fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }),
        fc.jsonValue(),
        (d, shape, data) => {
          try {
            const t = tensorFromJson('x', d, shape, data);
            expect(t.data.length).toBe(shape.reduce((a, b) => a * b, 1));
          } catch (e) {
            expect(e).toBeInstanceOf(ScoringError);
            expect(['INVALID_SHAPE', 'INVALID_DATATYPE']).toContain((e as ScoringError).code);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('JSON output', () => {
  it('prints float32 as the shortest decimal that reads back as the same float32', () => {
    expect(shortestFloat32(Math.fround(0.1))).toBe(0.1);
    expect(shortestFloat32(Math.fround(1 / 3))).toBe(0.33333334);
    expect(shortestFloat32(Math.fround(0.98765432))).toBe(0.9876543);
    expect(shortestFloat32(16777216)).toBe(16777216);
    expect(shortestFloat32(Math.fround(3.4e38))).toBe(3.4e38);
    expect(shortestFloat32(2 ** -149)).toBe(1e-45);
    expect(shortestFloat32(-0)).toBe(-0);
    expect(shortestFloat32(NaN)).toBeNaN();
    expect(JSON.stringify(tensorToJson(tensorOf('FP32', [2], [Math.fround(0.1), Math.fround(0.7)])))).toBe(
      '[0.1,0.7]',
    );
  });

  it('finds the same float32 decimal as trying every length in order (fast-check)', () => {
    fc.assert(
      fc.property(fc.float({ noNaN: true, noDefaultInfinity: true }), (v) => {
        const s = shortestFloat32(v);
        expect(Math.fround(s)).toBe(v);
        expect(s).toBe(v === 0 ? v : linearShortest(v, 9, (y) => Math.fround(y) === v));
      }),
      { numRuns: 20000 },
    );
  });

  it('finds the same float32 decimal at every power of two, where the gap below is narrower', () => {
    for (let e = -149; e <= 127; e++) {
      const v = 2 ** e;
      expect(shortestFloat32(v)).toBe(linearShortest(v, 9, (y) => Math.fround(y) === v));
    }
  });

  it('prints every finite half as the shortest decimal that reads back as it (exhaustive)', () => {
    for (let h = 0; h <= 0xffff; h++) {
      const v = fromHalf(h);
      if (!Number.isFinite(v)) continue;
      const s = shortestHalf(h);
      if (toHalf(s) !== h) expect.fail(`0x${h.toString(16)} printed as ${s}`);
      if (v !== 0 && s !== linearShortest(v, 5, (y) => toHalf(y) === h))
        expect.fail(`0x${h.toString(16)}: ${s}`);
    }
    expect(tensorToJson(tensorOf('FP16', [2], [toHalf(0.1), toHalf(-2)]))).toEqual([0.1, -2]);
  });

  it('prints 64-bit integers as numbers while exact, as decimal strings beyond', () => {
    const t = tensorOf('INT64', [5], [2n ** 53n, -(2n ** 53n), 2n ** 53n + 1n, -(2n ** 63n), 0n]);
    expect(tensorToJson(t)).toEqual([2 ** 53, -(2 ** 53), '9007199254740993', '-9223372036854775808', 0]);
    expect(tensorToJson(tensorOf('UINT64', [1], [2n ** 64n - 1n]))).toEqual(['18446744073709551615']);
  });

  it('prints BOOL as true/false, integers and FP64 as numbers, BYTES as strings', () => {
    expect(tensorToJson(tensorOf('BOOL', [2], [1, 0]))).toEqual([true, false]);
    expect(tensorToJson(tensorOf('INT8', [2], [-128, 127]))).toEqual([-128, 127]);
    expect(tensorToJson(tensorOf('UINT32', [1], [2 ** 32 - 1]))).toEqual([2 ** 32 - 1]);
    expect(tensorToJson(tensorOf('FP64', [1], [0.1]))).toEqual([0.1]);
    expect(tensorToJson(tensorOf('BYTES', [2], ['a', '🙂']))).toEqual(['a', '🙂']);
  });

  it('nests flat values by shape', () => {
    expect(nest([1, 2, 3, 4, 5, 6], [2, 3])).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(nest([1, 2, 3, 4], [2, 1, 2])).toEqual([[[1, 2]], [[3, 4]]]);
    expect(nest([7], [])).toBe(7);
    expect(nest([], [2, 0])).toEqual([[], []]);
    expect(nest([], [0, 3])).toEqual([]);
    expect(() => nest([1, 2], [3])).toThrow(RangeError);
  });

  it('answers rows nested by the row shape, Azure ML style', () => {
    const t = tensorOf('FP32', [2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8].map(Math.fround));
    expect(nestedRows(t)).toEqual([
      [
        [1, 2],
        [3, 4],
      ],
      [
        [5, 6],
        [7, 8],
      ],
    ]);
    expect(nestedRow(t, 1)).toEqual([
      [5, 6],
      [7, 8],
    ]);
    const probs = tensorOf('FP32', [2, 3], [0.1, 0.2, 0.7, 0.3, 0.3, 0.4].map(Math.fround));
    expect(JSON.stringify(nestedRows(probs))).toBe('[[0.1,0.2,0.7],[0.3,0.3,0.4]]');
    expect(nestedRows(tensorOf('INT64', [3], [1n, 2n, 3n]))).toEqual([1, 2, 3]);
    expect(nestedRow(tensorOf('INT64', [3], [1n, 2n, 3n]), 2)).toBe(3);
    expect(() => nestedRow(probs, 2)).toThrow(RangeError);
    expect(() => nestedRows(tensorOf('FP32', [], [1]))).toThrow(RangeError);
  });
});
