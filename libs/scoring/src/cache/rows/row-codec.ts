/**
 * Cached values are the bytes of one row's outputs (see row-value.ts): for mnist, its ten
 * float32 probabilities, 40 bytes against ~200 for JSON. Redis hands them back as they were stored.
 */
export function encodeRow(row: Uint8Array): Buffer {
  return Buffer.from(row.buffer, row.byteOffset, row.byteLength);
}

/** Returns undefined for a value of the wrong size (another model's entry, or a corrupted one). */
export function decodeRow(bytes: Uint8Array, expectedBytes?: number): Uint8Array | undefined {
  if (expectedBytes !== undefined && bytes.length !== expectedBytes) return undefined;
  return bytes;
}
