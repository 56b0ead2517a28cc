// The broker's side of a send link: every transfer (a single message or a Service Bus batch) is
// accepted into the queue as a whole, or rejected as a whole with an error the sender can act on.
import type { AmqpReceiver, EventContext } from './amqp.js';
import { isScheduled, messagesFromTransfer, TransferError } from './codec.js';
import { amqpError, Condition, describeError } from './errors.js';
import type { MessageEntity } from './queue.js';

export function acceptMessages(
  receiver: AmqpReceiver,
  entity: MessageEntity,
  log: (msg: string) => void,
): void {
  receiver.on('message', (ctx: EventContext) => {
    const delivery = ctx.delivery;
    if (!delivery) return;
    try {
      const messages = messagesFromTransfer(ctx.message, ctx.format ?? 0);
      if (messages.some(isScheduled)) {
        throw new TransferError(
          Condition.notImplemented,
          'Scheduled messages (scheduledEnqueueTimeUtc / scheduleMessages) are not supported by the emulator; ' +
            'send the message when it is due.',
        );
      }
      for (const message of messages) entity.enqueue(message);
      delivery.accept();
    } catch (err) {
      const condition = err instanceof TransferError ? err.condition : Condition.decodeError;
      log(`${entity.path}: rejected a transfer: ${describeError(err)}`);
      delivery.reject(amqpError(condition, describeError(err)));
    }
  });
}
