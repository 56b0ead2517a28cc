import { ScoringError } from '../errors.js';

/**
 * The next input's bytes in a v2 body's binary section (the binary tensor extension: inputs follow each other
 * in the order of the JSON, each `binary_data_size` long); moves `offset` past them.
 */
export function takeBinary(name: string, size: unknown, binary: Buffer, offset: { at: number }): Buffer {
  if (!Number.isSafeInteger(size) || (size as number) < 0) {
    throw new ScoringError('INVALID_INPUT', `input "${name}" binary_data_size must be a byte count`);
  }
  const end = offset.at + (size as number);
  if (end > binary.length) {
    throw new ScoringError(
      'INVALID_INPUT',
      `the binary section holds ${binary.length - offset.at} bytes after the earlier inputs; input "${name}" declares ${size}`,
    );
  }
  const bytes = binary.subarray(offset.at, end);
  offset.at = end;
  return bytes;
}
