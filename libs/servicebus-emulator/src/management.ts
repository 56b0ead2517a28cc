// The `<entity>/$management` node: the operations @azure/service-bus sends for lock renewal, peeking
// and settling by lock token (it uses the latter when the receive link a message came on is gone).
import { wrapLong, wrapTimestamp, type AmqpMessage, type AmqpTyped } from './amqp.js';
import { encodeForDelivery } from './codec.js';
import { amqpError, Condition } from './errors.js';
import { lockTokenFromWire } from './lock-token.js';
import type { MessageEntity } from './queue.js';
import { failure, ok, type Reply } from './request-response.js';
import { optionalString, plainRecord, smallInteger } from './values.js';

const UNSUPPORTED: Record<string, string> = {
  'com.microsoft:schedule-message':
    'Scheduled messages are not supported by the emulator; send the message when it is due.',
  'com.microsoft:cancel-scheduled-message': 'Scheduled messages are not supported by the emulator.',
  'com.microsoft:receive-by-sequence-number': 'Deferred messages are not supported by the emulator.',
  'com.microsoft:renew-session-lock': 'Sessions are not supported by the emulator.',
  'com.microsoft:set-session-state': 'Sessions are not supported by the emulator.',
  'com.microsoft:get-session-state': 'Sessions are not supported by the emulator.',
  'com.microsoft:get-message-sessions': 'Sessions are not supported by the emulator.',
  'com.microsoft:add-rule': 'Topics, subscriptions and rules are not supported by the emulator.',
  'com.microsoft:remove-rule': 'Topics, subscriptions and rules are not supported by the emulator.',
  'com.microsoft:enumerate-rules': 'Topics, subscriptions and rules are not supported by the emulator.',
};

const SUPPORTED = [
  'com.microsoft:renew-lock',
  'com.microsoft:update-disposition',
  'com.microsoft:peek-message',
];

export function handleManagementRequest(entity: MessageEntity, request: AmqpMessage): Reply {
  const operation = request.application_properties?.operation;
  const body = plainRecord(request.body) ?? {};
  switch (operation) {
    case 'com.microsoft:renew-lock':
      return renewLock(entity, body);
    case 'com.microsoft:update-disposition':
      return updateDisposition(entity, body);
    case 'com.microsoft:peek-message':
      return peek(entity, body);
  }
  const known = typeof operation === 'string' ? UNSUPPORTED[operation] : undefined;
  return failure(
    amqpError(
      Condition.notImplemented,
      known ??
        `Management operation '${String(operation)}' is not supported by the emulator ` +
          `(supported: ${SUPPORTED.join(', ')}).`,
    ),
  );
}

function lockTokens(body: Record<string, unknown>): string[] | Reply {
  const raw = body['lock-tokens'];
  const tokens = Array.isArray(raw) ? raw.map(lockTokenFromWire) : [];
  if (tokens.length === 0 || tokens.some((t) => t === undefined)) {
    return failure(amqpError(Condition.argumentError, "The request needs 'lock-tokens': an array of uuids."));
  }
  return tokens as string[];
}

function renewLock(entity: MessageEntity, body: Record<string, unknown>): Reply {
  const tokens = lockTokens(body);
  if (!Array.isArray(tokens)) return tokens;
  const expirations: Date[] = [];
  for (const token of tokens) {
    const result = entity.renewLock(token);
    if (typeof result !== 'number') return failure(result);
    expirations.push(new Date(result));
  }
  return ok({ expirations });
}

function updateDisposition(entity: MessageEntity, body: Record<string, unknown>): Reply {
  const tokens = lockTokens(body);
  if (!Array.isArray(tokens)) return tokens;
  const status = body['disposition-status'];
  const properties = plainRecord(body['properties-to-modify']);
  for (const token of tokens) {
    let error;
    switch (status) {
      case 'completed':
        error = entity.complete(token);
        break;
      case 'abandoned':
        error = entity.abandon(token, properties);
        break;
      case 'suspended':
        error = entity.deadLetter(token, {
          reason: optionalString(body['deadletter-reason']),
          description: optionalString(body['deadletter-description']),
          properties,
        });
        break;
      case 'defered':
        return failure(
          amqpError(Condition.notImplemented, 'Deferring messages is not supported by the emulator.'),
        );
      default:
        return failure(
          amqpError(
            Condition.argumentError,
            `Unknown disposition-status '${String(status)}'; expected completed, abandoned or suspended.`,
          ),
        );
    }
    if (error) return failure(error);
  }
  return ok();
}

function peek(entity: MessageEntity, body: Record<string, unknown>): Reply {
  const from = smallInteger(body['from-sequence-number']) ?? 1;
  const count = smallInteger(body['message-count']) ?? 1;
  if (body['session-id'] != null) {
    return failure(amqpError(Condition.notImplemented, 'Sessions are not supported by the emulator.'));
  }
  const peeked = entity.peek(from, Math.max(1, count));
  if (peeked.length === 0) return ok(undefined, 204);
  const messages = peeked.map(({ message, lockedUntil }) => {
    const annotations: Record<string, AmqpTyped> = {
      'x-opt-sequence-number': wrapLong(message.sequenceNumber),
      'x-opt-enqueued-time': wrapTimestamp(message.enqueuedAt),
    };
    if (lockedUntil !== undefined) annotations['x-opt-locked-until'] = wrapTimestamp(lockedUntil);
    return {
      message: encodeForDelivery(message.message, { deliveryCount: message.deliveryCount, annotations }),
    };
  });
  return ok({ messages });
}
