// A write-only protobuf encoder: just enough wire format to emit an ONNX ModelProto without pulling in a
// protobuf runtime. Field order is the caller's call order, so output bytes are fully deterministic.

export const WireType = {
  Varint: 0,
  Fixed64: 1,
  LengthDelimited: 2,
  Fixed32: 5,
} as const;

const UINT64_MASK = (1n << 64n) - 1n;
const INT64_MIN = -(1n << 63n);
const UINT64_MAX = UINT64_MASK;

/**
 * Encodes an integer as a base-128 varint. Negative values are written as 64-bit two's complement (10 bytes),
 * which is how protobuf encodes negative int32/int64 fields.
 */
export function encodeVarint(value: number | bigint): Uint8Array {
  let v: bigint;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new RangeError(
        `varint value ${value} is not a safe integer; pass a bigint for values beyond 2^53`,
      );
    }
    v = BigInt(value);
  } else {
    v = value;
  }
  if (v < INT64_MIN || v > UINT64_MAX) {
    throw new RangeError(`varint value ${v} does not fit in 64 bits`);
  }
  v &= UINT64_MASK;
  const out: number[] = [];
  while (v > 0x7fn) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Uint8Array.from(out);
}

/** Collects chunks and concatenates them once, so nested messages cost one copy each. */
export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;

  private push(bytes: Uint8Array): this {
    this.chunks.push(bytes);
    this.length += bytes.length;
    return this;
  }

  private tag(field: number, wireType: number): this {
    if (!Number.isInteger(field) || field < 1 || field > 0x1fffffff) {
      throw new RangeError(`protobuf field number ${field} is outside 1..2^29-1`);
    }
    return this.push(encodeVarint(field * 8 + wireType));
  }

  /** int32, int64, uint32, uint64, bool and enum fields. */
  varint(field: number, value: number | bigint): this {
    return this.tag(field, WireType.Varint).push(encodeVarint(value));
  }

  bytes(field: number, value: Uint8Array): this {
    return this.tag(field, WireType.LengthDelimited).push(encodeVarint(value.length)).push(value);
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  /** Embeds a nested message (already built with its own writer). */
  message(field: number, value: ProtoWriter): this {
    return this.bytes(field, value.finish());
  }

  /** A single `float` field (fixed32, little-endian IEEE 754). */
  float(field: number, value: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    return this.tag(field, WireType.Fixed32).push(b);
  }

  /** A `repeated float` field in packed form: one length-delimited run of little-endian fixed32 values. */
  packedFloats(field: number, values: ArrayLike<number>): this {
    return this.bytes(field, float32LittleEndian(values));
  }

  /** A `repeated int64`/`int32` field in packed form. */
  packedVarints(field: number, values: ReadonlyArray<number | bigint>): this {
    const inner = new ProtoWriter();
    for (const v of values) inner.push(encodeVarint(v));
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const c of this.chunks) {
      out.set(c, offset);
      offset += c.length;
    }
    return out;
  }
}

/** Little-endian float32 bytes regardless of host byte order (ONNX raw_data and packed floats require LE). */
export function float32LittleEndian(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return out;
}
