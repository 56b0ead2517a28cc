// Turns transfers into stored messages and stored messages back into transfer payloads.
//
// Messages are kept decoded (rhea's flattened form) and re-encoded per delivery. rhea picks wire types
// by inference on both sides, and the SDK encodes with rhea too, so everything the SDK sends survives
// the round trip: data-section bodies (JSON, strings and Buffers all travel as data sections),
// amqp-value and sequence bodies, properties, application properties and the header's TTL.
import { decodeMessage, encodeMessage, type AmqpMessage, type AmqpTyped } from './amqp.js';

/** `ServiceBusSender.sendMessages(batch)` sends one transfer of this format holding many messages. */
export const BATCH_MESSAGE_FORMAT = 0x80013700;

const DATA_SECTION = 0x75;

export class TransferError extends Error {
  constructor(
    readonly condition: string,
    message: string,
  ) {
    super(message);
  }
}

/** Rhea's representation of one or more data sections (`body.content` is a Buffer or Buffer[]). */
interface BodySection {
  typecode: number;
  content: unknown;
  multiple?: boolean;
}

function isBodySection(body: unknown): body is BodySection {
  return typeof body === 'object' && body !== null && 'typecode' in body && 'content' in body;
}

/** The messages a transfer carries: one for format 0, each data section's message for a batch. */
export function messagesFromTransfer(
  payload: AmqpMessage | Buffer | undefined,
  format: number,
): AmqpMessage[] {
  if (format === 0) {
    if (!payload || Buffer.isBuffer(payload))
      throw new TransferError('amqp:decode-error', 'The transfer carried no message.');
    return [plain(payload)];
  }
  if (format !== BATCH_MESSAGE_FORMAT) {
    throw new TransferError(
      'amqp:not-implemented',
      `Message format 0x${format.toString(16)} is not supported; send standard AMQP messages (format 0) or ` +
        `Service Bus batches (format 0x${BATCH_MESSAGE_FORMAT.toString(16)}).`,
    );
  }
  if (!Buffer.isBuffer(payload))
    throw new TransferError('amqp:decode-error', 'The batch transfer carried no payload.');
  const envelope = decodeMessage(payload);
  const body = envelope.body;
  if (!isBodySection(body) || body.typecode !== DATA_SECTION) {
    throw new TransferError(
      'amqp:decode-error',
      'A batch message must carry its messages as AMQP data sections.',
    );
  }
  const sections = body.multiple ? body.content : [body.content];
  if (!Array.isArray(sections) || !sections.every((s) => Buffer.isBuffer(s))) {
    throw new TransferError('amqp:decode-error', 'A batch data section did not contain an encoded message.');
  }
  return sections.map((s) => plain(decodeMessage(s)));
}

/**
 * Own fields only: rhea's decoded message object carries prototype helpers we must not re-encode.
 * Delivery annotations are hop-by-hop, so the sender's never reach a receiver.
 */
function plain(message: AmqpMessage): AmqpMessage {
  const { delivery_annotations: _hopByHop, ...rest } = message;
  return rest;
}

export interface DeliveryFields {
  deliveryCount: number;
  annotations: Record<string, AmqpTyped>;
}

export function encodeForDelivery(message: AmqpMessage, fields: DeliveryFields): Buffer {
  return encodeMessage({
    ...message,
    delivery_count: fields.deliveryCount,
    message_annotations: { ...message.message_annotations, ...fields.annotations },
  });
}

export const SCHEDULED_ENQUEUE_TIME = 'x-opt-scheduled-enqueue-time';

export function isScheduled(message: AmqpMessage): boolean {
  return message.message_annotations?.[SCHEDULED_ENQUEUE_TIME] != null;
}
