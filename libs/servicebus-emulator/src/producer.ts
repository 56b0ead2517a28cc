// The broker's side of a send link: every transfer (a single message or a Service Bus batch) is
// accepted into the queue as a whole, or rejected as a whole with an error the sender can act on.
import { encodeMessage, type AmqpReceiver, type EventContext } from './amqp.js';
import { isScheduled, messagesFromTransfer, TransferError } from './codec.js';
import { amqpError, Condition, describeError } from './errors.js';
import type { QueueJournal } from './journal.js';
import type { MessageEntity } from './queue.js';

/** With a journal, a transfer is settled only once its messages are synced to disk (the sender's ack is durable). */
export function acceptMessages(
  receiver: AmqpReceiver,
  entity: MessageEntity,
  log: (msg: string) => void,
  journal?: QueueJournal,
): void {
  receiver.on('message', (ctx: EventContext) => {
    const delivery = ctx.delivery;
    if (!delivery) return;
    try {
      checkSize(ctx, entity.maxMessageSizeBytes);
      const messages = messagesFromTransfer(ctx.message, ctx.format ?? 0);
      if (messages.some(isScheduled)) {
        throw new TransferError(
          Condition.notImplemented,
          'Scheduled messages (scheduledEnqueueTimeUtc / scheduleMessages) are not supported by the emulator; ' +
            'send the message when it is due.',
        );
      }
      for (const message of messages) entity.enqueue(message);
      if (!journal) {
        delivery.accept();
        return;
      }
      journal.durable().then(
        // The link may be gone by now (the sender will resend what it saw no outcome for).
        () => settleSafely(() => delivery.accept()),
        (err: unknown) => {
          log(`${entity.path}: could not store a transfer: ${describeError(err)}`);
          settleSafely(() =>
            delivery.reject(
              amqpError(
                Condition.internalError,
                `The emulator could not store the messages: ${describeError(err)}`,
              ),
            ),
          );
        },
      );
    } catch (err) {
      const condition = err instanceof TransferError ? err.condition : Condition.decodeError;
      log(`${entity.path}: rejected a transfer: ${describeError(err)}`);
      delivery.reject(amqpError(condition, describeError(err)));
    }
  });
}

/**
 * Refuses a transfer over the queue's limit as Service Bus does (same condition and wording), so a sender
 * learns at once that the message can never be sent rather than having it accepted here and refused in
 * Azure. A batch's size is its payload's; a single message is measured re-encoded (rhea hands it over
 * decoded), which is what the SDK, also rhea, put on the wire.
 */
function checkSize(ctx: EventContext, limit: number): void {
  const m = ctx.message;
  if (m === undefined) return;
  const size = Buffer.isBuffer(m) ? m.length : encodeMessage(m).length;
  if (size <= limit) return;
  throw new TransferError(
    Condition.messageSizeExceeded,
    `The received message (delivery-id:${ctx.delivery?.id ?? '?'}, size:${size} bytes) exceeds the limit ` +
      `(${limit} bytes) currently allowed on the link.`,
  );
}

function settleSafely(settle: () => void): void {
  try {
    settle();
  } catch {
    // nothing to tell: the sender's link or connection is already closed
  }
}
