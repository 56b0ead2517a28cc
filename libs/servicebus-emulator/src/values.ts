// Narrowing helpers for values decoded by rhea, which arrive as `unknown` at the emulator's boundary.

/** A decoded AMQP map (rhea unwraps maps to plain objects); anything else yields undefined. */
export function plainRecord(value: unknown): Record<string, unknown> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Buffer.isBuffer(value))
    return undefined;
  if (value instanceof Date) return undefined;
  return value as Record<string, unknown>;
}

/**
 * rhea decodes AMQP longs that do not fit in a double's integer range as 8-byte big-endian buffers;
 * sequence numbers and counts here are always small, so anything else is rejected as undefined.
 */
export function smallInteger(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (Buffer.isBuffer(value) && value.length === 8) {
    const n = value.readBigInt64BE(0);
    return n <= BigInt(Number.MAX_SAFE_INTEGER) && n >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(n)
      : undefined;
  }
  return undefined;
}

export function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
