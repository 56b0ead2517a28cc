// AMQP error conditions the emulator raises. The SDK maps each condition to a ServiceBusError code
// (not-found → MessagingEntityNotFound, message-lock-lost → MessageLockLost, …), so picking the
// same condition Service Bus uses gives callers the same error they would see in Azure.
import type { AmqpError } from './amqp.js';

export const Condition = {
  notFound: 'amqp:not-found',
  notImplemented: 'amqp:not-implemented',
  notAllowed: 'amqp:not-allowed',
  decodeError: 'amqp:decode-error',
  invalidField: 'amqp:invalid-field',
  internalError: 'amqp:internal-error',
  lockLost: 'com.microsoft:message-lock-lost',
  argumentError: 'com.microsoft:argument-error',
  connectionForced: 'amqp:connection:forced',
  /** The SDK reports it as ServiceBusError code MessageSizeExceeded. */
  messageSizeExceeded: 'amqp:link:message-size-exceeded',
} as const;

/** Status codes Service Bus uses on its request/response nodes, keyed by the condition they mean. */
export const StatusCode: Record<string, number> = {
  [Condition.notFound]: 404,
  [Condition.notImplemented]: 501,
  [Condition.notAllowed]: 400,
  [Condition.decodeError]: 400,
  [Condition.invalidField]: 400,
  [Condition.argumentError]: 400,
  [Condition.lockLost]: 410,
  [Condition.internalError]: 500,
};

export function amqpError(condition: string, description: string): AmqpError {
  return { condition, description };
}

export function lockLost(token: string): AmqpError {
  return amqpError(
    Condition.lockLost,
    `The lock supplied (${token}) is invalid: it expired, the receiver that held it closed, or the message ` +
      'was already settled. The message has been (or will be) redelivered; receive it again.',
  );
}

export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
