import { describe, expect, it } from 'vitest';
import { encodeVarint, float32LittleEndian, ProtoWriter } from '../src/protobuf.js';
import { decodeFields, readVarint } from './proto-reader.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('encodeVarint', () => {
  it.each([
    [0, '00'],
    [1, '01'],
    [127, '7f'],
    [128, '8001'],
    [150, '9601'], // the example in the protobuf encoding guide
    [300, 'ac02'],
    [16384, '808001'],
    [2 ** 32, '8080808010'],
    [Number.MAX_SAFE_INTEGER, 'ffffffffffffff0f'],
  ])('encodes %d as %s', (value, expected) => {
    expect(hex(encodeVarint(value))).toBe(expected);
  });

  it('encodes 64-bit values given as bigint', () => {
    expect(hex(encodeVarint((1n << 63n) - 1n))).toBe('ffffffffffffffff7f');
    expect(hex(encodeVarint((1n << 64n) - 1n))).toBe('ffffffffffffffffff01');
  });

  it('encodes negatives as 10-byte two’s complement like protobuf int64', () => {
    expect(hex(encodeVarint(-1))).toBe('ffffffffffffffffff01');
    expect(hex(encodeVarint(-2))).toBe('feffffffffffffffff01');
    expect(hex(encodeVarint(-(1n << 63n)))).toBe('80808080808080808001');
    const [back] = readVarint(encodeVarint(-150), 0);
    expect(BigInt.asIntN(64, back)).toBe(-150n);
  });

  it('round-trips through an independent decoder', () => {
    for (const v of [0n, 1n, 255n, 65535n, 123456789012345n, (1n << 64n) - 1n]) {
      expect(readVarint(encodeVarint(v), 0)[0]).toBe(v);
    }
  });

  it('rejects values it cannot encode exactly', () => {
    expect(() => encodeVarint(2 ** 53)).toThrow(/bigint/);
    expect(() => encodeVarint(1.5)).toThrow(/safe integer/);
    expect(() => encodeVarint(1n << 64n)).toThrow(/64 bits/);
    expect(() => encodeVarint(-(1n << 63n) - 1n)).toThrow(/64 bits/);
  });
});

describe('ProtoWriter', () => {
  it('writes tags, varints, strings and nested messages', () => {
    // Field 1 = 150 and field 2 = "testing" from the protobuf encoding guide.
    expect(hex(new ProtoWriter().varint(1, 150).finish())).toBe('089601');
    expect(hex(new ProtoWriter().string(2, 'testing').finish())).toBe('120774657374696e67');
    const inner = new ProtoWriter().varint(1, 150);
    expect(hex(new ProtoWriter().message(3, inner).finish())).toBe('1a03089601');
  });

  it('handles large field numbers and empty payloads', () => {
    expect(hex(new ProtoWriter().varint(20, 2).finish())).toBe('a00102');
    expect(hex(new ProtoWriter().string(1, '').finish())).toBe('0a00');
    expect(() => new ProtoWriter().varint(0, 1)).toThrow(/field number/);
  });

  it('writes a single float as fixed32 little-endian', () => {
    expect(hex(new ProtoWriter().float(2, 1).finish())).toBe('150000803f');
    expect(hex(new ProtoWriter().float(2, -2.5).finish())).toBe('15000020c0');
  });

  it('packs repeated floats as one length-delimited run of little-endian fixed32', () => {
    const bytes = new ProtoWriter().packedFloats(4, [1, -2.5, 0.1]).finish();
    expect(hex(bytes.subarray(0, 2))).toBe('220c'); // tag (4 << 3 | 2), 12 bytes
    const payload = bytes.subarray(2);
    const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
    expect([0, 4, 8].map((o) => view.getFloat32(o, true))).toEqual([1, -2.5, Math.fround(0.1)]);
  });

  it('packs repeated varints', () => {
    expect(hex(new ProtoWriter().packedVarints(1, [3, 270, 86942]).finish())).toBe('0a06038e029ea705');
  });

  it('keeps fields in call order and decodes back', () => {
    const bytes = new ProtoWriter()
      .string(2, 'b')
      .varint(1, 7)
      .bytes(9, Uint8Array.of(1, 2, 3))
      .finish();
    expect(decodeFields(bytes).map((f) => [f.field, f.wireType])).toEqual([
      [2, 2],
      [1, 0],
      [9, 2],
    ]);
  });

  it('float32LittleEndian writes IEEE bytes regardless of host order', () => {
    expect(hex(float32LittleEndian(Float32Array.of(1, -0, Infinity)))).toBe('0000803f00000080' + '0000807f');
  });
});
