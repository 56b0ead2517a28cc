/**
 * Cached values are the output row as little-endian float32 bytes: 40 bytes for ten classes, against
 * ~200 for JSON, and decoding is a copy rather than a parse.
 */
export function encodeRow(row: Float32Array): Buffer {
  const out = Buffer.allocUnsafe(row.length * 4);
  for (let i = 0; i < row.length; i++) out.writeFloatLE(row[i], i * 4);
  return out;
}

/** Returns undefined for a value of the wrong size (another model's entry, or a corrupted one). */
export function decodeRow(bytes: Uint8Array, expectedLength?: number): Float32Array | undefined {
  if (bytes.length % 4 !== 0) return undefined;
  const n = bytes.length / 4;
  if (expectedLength !== undefined && n !== expectedLength) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}
