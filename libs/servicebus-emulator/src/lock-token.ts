// Lock tokens travel two ways. On the receive link the delivery tag carries the token's 16 bytes in
// .NET `Guid.ToByteArray()` order (first three groups little-endian), and @azure/service-bus undoes
// that with `reorderLockToken` before printing it as a UUID. On the `$management` node the SDK sends
// tokens as AMQP uuids in RFC 4122 byte order (`string_to_uuid`). Both must name the same lock.
import { randomUUID } from 'node:crypto';
import { stringToUuid, uuidToString } from './amqp.js';

export function newLockToken(): string {
  return randomUUID();
}

/** Swaps between RFC 4122 and .NET GUID byte order; the swap is its own inverse. */
function swapGuidByteOrder(bytes: Buffer): Buffer {
  // prettier-ignore
  return Buffer.from([
    bytes[3], bytes[2], bytes[1], bytes[0],
    bytes[5], bytes[4],
    bytes[7], bytes[6],
    ...bytes.subarray(8, 16),
  ]);
}

export function lockTokenToDeliveryTag(token: string): Buffer {
  return swapGuidByteOrder(stringToUuid(token));
}

export function deliveryTagToLockToken(tag: Buffer): string {
  return uuidToString(swapGuidByteOrder(tag));
}

export function lockTokenToUuidBytes(token: string): Buffer {
  return stringToUuid(token);
}

/** Tokens from management requests arrive as uuid bytes; strings are accepted for hand-made requests. */
export function lockTokenFromWire(value: unknown): string | undefined {
  if (Buffer.isBuffer(value) && value.length === 16) return uuidToString(value);
  if (
    typeof value === 'string' &&
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)
  ) {
    return value.toLowerCase();
  }
  return undefined;
}
