// Minimal protobuf decoder for tests: an independent check that the encoder's bytes parse back into the
// fields we meant (ORT accepting a model does not prove every field landed where we intended).

export interface Field {
  field: number;
  wireType: number;
  /** Varints as bigint; fixed32 as raw 4 bytes; length-delimited as the payload bytes. */
  value: bigint | Uint8Array;
}

export function readVarint(buf: Uint8Array, pos: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    if (pos >= buf.length) throw new Error('truncated varint');
    const b = buf[pos++];
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [result, pos];
    shift += 7n;
  }
}

export function decodeFields(buf: Uint8Array): Field[] {
  const out: Field[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [key, p1] = readVarint(buf, pos);
    const field = Number(key >> 3n);
    const wireType = Number(key & 7n);
    pos = p1;
    if (wireType === 0) {
      const [v, p2] = readVarint(buf, pos);
      out.push({ field, wireType, value: v });
      pos = p2;
    } else if (wireType === 2) {
      const [len, p2] = readVarint(buf, pos);
      const end = p2 + Number(len);
      if (end > buf.length) throw new Error(`field ${field} overruns the buffer`);
      out.push({ field, wireType, value: buf.subarray(p2, end) });
      pos = end;
    } else if (wireType === 5) {
      out.push({ field, wireType, value: buf.subarray(pos, pos + 4) });
      pos += 4;
    } else {
      throw new Error(`unexpected wire type ${wireType} for field ${field}`);
    }
  }
  return out;
}

export const text = (v: Field['value']): string => new TextDecoder().decode(v as Uint8Array);

export function only(fields: Field[], n: number): Field['value'] {
  const hits = fields.filter((f) => f.field === n);
  if (hits.length !== 1) throw new Error(`expected exactly one field ${n}, found ${hits.length}`);
  return hits[0].value;
}

export const all = (fields: Field[], n: number): Field['value'][] =>
  fields.filter((f) => f.field === n).map((f) => f.value);
