import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  HALF_NAN,
  fromHalf,
  halfArrayToFloat32,
  isHalfNonFinite,
  toHalf,
  toHalfArray,
} from '../../src/tensor/fp16.js';

const isNaNBits = (h: number) => (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;

describe('fp16', () => {
  it('round-trips every one of the 65,536 bit patterns (NaNs to the canonical NaN)', () => {
    let checked = 0;
    for (let h = 0; h <= 0xffff; h++) {
      const v = fromHalf(h);
      if (isNaNBits(h)) {
        expect(Number.isNaN(v)).toBe(true);
        expect(toHalf(v)).toBe(HALF_NAN);
        continue;
      }
      if (toHalf(v) !== h) expect.fail(`bits 0x${h.toString(16)} -> ${v} -> 0x${toHalf(v).toString(16)}`);
      checked++;
    }
    expect(checked).toBe(65536 - 2 * 1023);
  });

  it('decodes the landmarks', () => {
    expect(fromHalf(0x3c00)).toBe(1);
    expect(fromHalf(0xc000)).toBe(-2);
    expect(fromHalf(0x7bff)).toBe(65504);
    expect(fromHalf(0x0400)).toBe(2 ** -14);
    expect(fromHalf(0x0001)).toBe(2 ** -24);
    expect(fromHalf(0x03ff)).toBe(1023 * 2 ** -24);
    expect(fromHalf(0x7c00)).toBe(Infinity);
    expect(fromHalf(0xfc00)).toBe(-Infinity);
    expect(Object.is(fromHalf(0x8000), -0)).toBe(true);
    expect(fromHalf(0x3555)).toBe(0.333251953125);
  });

  it('encodes with round-to-nearest-even, overflow to infinity and subnormals', () => {
    expect(toHalf(1)).toBe(0x3c00);
    expect(toHalf(0.1)).toBe(0x2e66);
    expect(toHalf(-0)).toBe(0x8000);
    expect(toHalf(0)).toBe(0);
    expect(toHalf(65504)).toBe(0x7bff);
    expect(toHalf(65519.99)).toBe(0x7bff);
    expect(toHalf(65520)).toBe(0x7c00); // the tie between 65504 (odd) and 65536 goes to the even: Inf
    expect(toHalf(1e6)).toBe(0x7c00);
    expect(toHalf(-1e6)).toBe(0xfc00);
    expect(toHalf(Infinity)).toBe(0x7c00);
    expect(toHalf(-Infinity)).toBe(0xfc00);
    expect(toHalf(NaN)).toBe(HALF_NAN);
    expect(toHalf(2 ** -24)).toBe(1);
    expect(toHalf(2 ** -25)).toBe(0); // tie between 0 (even) and 2^-24
    expect(toHalf(2 ** -25 * 1.000001)).toBe(1);
    expect(toHalf(3 * 2 ** -25)).toBe(2); // tie between 1 and 2 subnormal steps: even
    expect(toHalf(-(2 ** -26))).toBe(0x8000);
    expect(toHalf(1e-10)).toBe(0);
    expect(toHalf(1 + 2 ** -11)).toBe(0x3c00); // tie, 1.0 is even
    expect(toHalf(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie, rounds up to the even mantissa
    expect(toHalf(2 ** -14 - 2 ** -25)).toBe(0x0400); // rounds up out of the subnormals
  });

  it('sends every midpoint between adjacent halves to the even one, and anything off it to the nearer', () => {
    for (let h = 0; h < 0x7bff; h++) {
      const lo = fromHalf(h);
      const hi = fromHalf(h + 1);
      const mid = (lo + hi) / 2; // exact: halves have 11 significant bits
      const even = h % 2 === 0 ? h : h + 1;
      if (toHalf(mid) !== even) expect.fail(`midpoint ${mid} of 0x${h.toString(16)}`);
      if (toHalf(-mid) !== (even | 0x8000)) expect.fail(`midpoint ${-mid}`);
      const nudge = (hi - lo) / 1024;
      if (toHalf(mid - nudge) !== h || toHalf(mid + nudge) !== h + 1) expect.fail(`near midpoint ${mid}`);
    }
  });

  it('picks the nearest half for any double (fast-check)', () => {
    fc.assert(
      fc.property(fc.double({ min: -65504, max: 65504, noNaN: true }), (x) => {
        const h = toHalf(x);
        const err = Math.abs(fromHalf(h) - x);
        const mag = h & 0x7fff;
        const sign = h & 0x8000;
        for (const n of [mag - 1, mag + 1]) {
          if (n < 0 || n > 0x7bff) continue;
          const other = Math.abs(fromHalf(sign | n) - x);
          expect(err).toBeLessThanOrEqual(other);
          if (err === other) expect(mag % 2).toBe(0);
        }
        // The other sign's neighbours (across zero) are never nearer.
        if (mag === 0) expect(Math.abs(x)).toBeLessThanOrEqual(2 ** -25);
      }),
      { numRuns: 20000 },
    );
  });

  it('flags infinities and NaNs', () => {
    expect(isHalfNonFinite(0x7c00)).toBe(true);
    expect(isHalfNonFinite(0xfc00)).toBe(true);
    expect(isHalfNonFinite(0x7e00)).toBe(true);
    expect(isHalfNonFinite(0x7bff)).toBe(false);
    expect(isHalfNonFinite(0x8000)).toBe(false);
  });

  it('converts arrays both ways', () => {
    const bits = toHalfArray([1, -2, 0.5, 65504]);
    expect(Array.from(bits)).toEqual([0x3c00, 0xc000, 0x3800, 0x7bff]);
    expect(Array.from(halfArrayToFloat32(bits))).toEqual([1, -2, 0.5, 65504]);
  });
});
