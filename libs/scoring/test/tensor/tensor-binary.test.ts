import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScoringError } from '../../src/errors.js';
import { DATATYPES, bytesPerElement } from '../../src/tensor/datatype.js';
import { tensorFromBinary, tensorToBinary } from '../../src/tensor/tensor-binary.js';
import { sliceRows } from '../../src/tensor/tensor-rows.js';
import { elementCount, type DataType, type Tensor } from '../../src/tensor/tensor.js';
import { codeOf } from '../support/codes.js';
import { shapeArb, tensorArb, tensorOf } from './arbitraries.js';
import { messageOf } from '../support/codes.js';

const FIXED = DATATYPES.filter((d) => d !== 'BYTES');
const values = (t: Tensor) => Array.from(t.data as ArrayLike<unknown>);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** `bytes` placed `offset` bytes into a larger buffer, as the binary section of a request body sits. */
function at(offset: number, bytes: Uint8Array): Uint8Array {
  const body = new Uint8Array(offset + bytes.length + 3).fill(0xee);
  body.set(bytes, offset);
  return body.subarray(offset, offset + bytes.length);
}

/** Raw little-endian bytes for a fixed-size datatype and shape; BOOL bytes are 0 or 1. */
function rawArb(d: DataType) {
  return shapeArb.chain((shape) => {
    const n = elementCount(shape) * bytesPerElement(d)!;
    const byte = d === 'BOOL' ? fc.integer({ min: 0, max: 1 }) : fc.integer({ min: 0, max: 255 });
    return fc.tuple(
      fc.constant(shape),
      fc.array(byte, { minLength: n, maxLength: n }).map((a) => Uint8Array.from(a)),
    );
  });
}

describe('binary tensor data extension', () => {
  describe.each(FIXED)('%s', (d) => {
    it('round-trips any bytes, at any offset, bit for bit (fast-check)', () => {
      fc.assert(
        fc.property(rawArb(d), fc.integer({ min: 0, max: 9 }), ([shape, bytes], offset) => {
          const t = tensorFromBinary('x', d, shape, at(offset, bytes));
          expect(t.shape).toEqual(shape);
          expect(t.data.length).toBe(elementCount(shape));
          expect(hex(tensorToBinary(t))).toBe(hex(bytes));
        }),
        { numRuns: 300 },
      );
    });

    it('round-trips tensor values (fast-check)', () => {
      fc.assert(
        fc.property(tensorArb(d), fc.integer({ min: 0, max: 9 }), (t, offset) => {
          const back = tensorFromBinary('x', d, t.shape, at(offset, tensorToBinary(t)));
          expect(back.data.constructor).toBe(t.data.constructor);
          expect(values(back)).toEqual(values(t));
        }),
        { numRuns: 200 },
      );
    });

    it('refuses a byte count that does not match the shape, giving both counts', () => {
      const size = bytesPerElement(d)!;
      const msg = messageOf(() => tensorFromBinary('in', d, [2, 3], new Uint8Array(6 * size - 1)));
      expect(msg).toContain(`input "in"`);
      expect(msg).toContain(`holds ${6 * size - 1} bytes`);
      expect(msg).toContain(`needs ${6 * size}`);
      expect(codeOf(() => tensorFromBinary('in', d, [2, 3], new Uint8Array(6 * size + 1)))).toBe(
        'INVALID_SHAPE',
      );
    });
  });

  it('reads little-endian values from unaligned offsets', () => {
    const f32 = Buffer.alloc(8);
    f32.writeFloatLE(1.5, 0);
    f32.writeFloatLE(-0.25, 4);
    const i64 = Buffer.alloc(16);
    i64.writeBigInt64LE(-2n, 0);
    i64.writeBigInt64LE(2n ** 62n + 5n, 8);
    const f64 = Buffer.alloc(8);
    f64.writeDoubleLE(Math.PI, 0);
    const u16 = Buffer.from([0x01, 0x02, 0xff, 0xff]);
    for (const offset of [0, 1, 2, 3, 5, 7]) {
      expect(values(tensorFromBinary('x', 'FP32', [1, 2], at(offset, f32)))).toEqual([1.5, -0.25]);
      expect(values(tensorFromBinary('x', 'INT64', [2], at(offset, i64)))).toEqual([-2n, 2n ** 62n + 5n]);
      expect(values(tensorFromBinary('x', 'FP64', [1], at(offset, f64)))).toEqual([Math.PI]);
      expect(values(tensorFromBinary('x', 'UINT16', [2], at(offset, u16)))).toEqual([0x0201, 0xffff]);
    }
  });

  it('copies: the tensor neither aliases nor pins the request body', () => {
    const body = Buffer.alloc(9);
    body.writeFloatLE(2, 1);
    body.writeFloatLE(3, 5);
    const t = tensorFromBinary('x', 'FP32', [2], body.subarray(1));
    body.fill(0);
    expect(values(t)).toEqual([2, 3]);
    expect((t.data as Float32Array).buffer.byteLength).toBe(8);
  });

  it('writes the protocol layout', () => {
    expect(hex(tensorToBinary(tensorOf('FP32', [2], [1.5, -2])))).toBe('0000c03f000000c0');
    expect(hex(tensorToBinary(tensorOf('INT64', [1], [-2n])))).toBe('feffffffffffffff');
    expect(hex(tensorToBinary(tensorOf('BOOL', [3], [1, 0, 1])))).toBe('010001');
    expect(hex(tensorToBinary(tensorOf('FP16', [1], [0x3c00])))).toBe('003c');
    expect(hex(tensorToBinary(tensorOf('BYTES', [2], ['é', ''])))).toBe('02000000c3a900000000');
  });

  it("encodes only a sliced tensor's own elements", () => {
    const t = tensorOf('INT32', [3, 2], [1, 2, 3, 4, 5, 6]);
    const b = tensorToBinary(sliceRows(t, 1, 1));
    expect(b.length).toBe(8);
    expect([b.readInt32LE(0), b.readInt32LE(4)]).toEqual([3, 4]);
  });

  it('refuses BOOL bytes other than 0 and 1', () => {
    const msg = messageOf(() => tensorFromBinary('mask', 'BOOL', [3], Uint8Array.from([1, 0, 2])));
    expect(msg).toBe('input "mask" element 2 is byte 2; BOOL takes 0 or 1');
    expect(codeOf(() => tensorFromBinary('mask', 'BOOL', [1], Uint8Array.from([255])))).toBe(
      'INVALID_DATATYPE',
    );
  });

  describe('BYTES', () => {
    const words = ['héllo', '日本語', '🙂', '', 'a\u0000b', '\ufeffbom'];

    it('round-trips multibyte UTF-8, each element length-prefixed with its byte length', () => {
      const t = tensorOf('BYTES', [2, 3], words);
      const b = tensorToBinary(t);
      expect(b.readUInt32LE(0)).toBe(6); // "héllo": é is two bytes
      expect(b.subarray(4, 10).toString('utf8')).toBe('héllo');
      expect(b.readUInt32LE(10)).toBe(9); // three 3-byte characters
      expect(b.length).toBe(words.reduce((n, w) => n + 4 + Buffer.byteLength(w), 0));
      for (const offset of [0, 1, 3])
        expect(tensorFromBinary('x', 'BYTES', [2, 3], at(offset, b))).toEqual(t);
    });

    it('round-trips any strings of whole code points (fast-check)', () => {
      fc.assert(
        fc.property(tensorArb('BYTES'), fc.integer({ min: 0, max: 5 }), (t, offset) => {
          expect(values(tensorFromBinary('x', 'BYTES', t.shape, at(offset, tensorToBinary(t))))).toEqual(
            values(t),
          );
        }),
        { numRuns: 300 },
      );
    });

    const encoded = tensorToBinary(tensorOf('BYTES', [2], ['ab', 'cde']));

    it.each([
      ['the data ends inside a length', encoded.subarray(0, 8)],
      ['an element runs past the end', encoded.subarray(0, encoded.length - 1)],
      ['bytes are left over', Buffer.concat([encoded, Buffer.from([0])])],
      ['a length claims more than there is', Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0])],
      ['there is less than 4 bytes per element', Buffer.alloc(7)],
    ])('refuses data where %s as INVALID_SHAPE', (_, bytes) => {
      expect(codeOf(() => tensorFromBinary('x', 'BYTES', [2], bytes))).toBe('INVALID_SHAPE');
    });

    it('gives the byte counts when an element runs past the end', () => {
      expect(
        messageOf(() => tensorFromBinary('text', 'BYTES', [2], encoded.subarray(0, encoded.length - 1))),
      ).toBe(
        'input "text" BYTES element 1 declares 3 bytes at byte 10, but the binary data holds 12 bytes (2 left)',
      );
      expect(messageOf(() => tensorFromBinary('text', 'BYTES', [1], encoded))).toBe(
        'input "text" binary data holds 13 bytes; its 1 BYTES elements end after 6',
      );
    });

    it('refuses bytes that are not UTF-8 as INVALID_DATATYPE', () => {
      const bad = Buffer.from([2, 0, 0, 0, 0xc3, 0x28]);
      expect(messageOf(() => tensorFromBinary('text', 'BYTES', [1], bad))).toBe(
        'input "text" BYTES element 0 is not valid UTF-8',
      );
    });

    it('refuses a huge shape before allocating for it', () => {
      expect(codeOf(() => tensorFromBinary('x', 'BYTES', [2 ** 40], Buffer.alloc(8)))).toBe('INVALID_SHAPE');
      expect(codeOf(() => tensorFromBinary('x', 'FP32', [2 ** 40], Buffer.alloc(8)))).toBe('INVALID_SHAPE');
    });
  });

  it('fails on arbitrary bytes only with INVALID_SHAPE or INVALID_DATATYPE (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...DATATYPES),
        fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }),
        fc.uint8Array({ maxLength: 64 }),
        (d, shape, bytes) => {
          try {
            tensorFromBinary('x', d, shape, bytes);
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
