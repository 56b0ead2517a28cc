/**
 * False means the model certainly has no ZipMap (op types are stored as plain UTF-8); true only that the
 * bytes contain the name, so a large CNN pays one memchr-speed scan instead of a protobuf decode, and a
 * process whose models have no ZipMap never loads the protobuf library (a tenth of the cold start).
 */
export function mayHaveZipMap(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes('ZipMap');
}
