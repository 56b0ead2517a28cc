import type { InvocationContext } from '@azure/functions';

/** Where a message's answer goes and how it is correlated, read before (and whatever) its body says. */
export interface MessageMeta {
  messageId?: string;
  dequeueCount?: number;
  correlationId?: string;
  /** A valid queue name, or undefined (the app's reply queue). */
  replyTo?: string;
}

/** Azure's queue naming rules; a reply to anything else could never be sent. */
export const QUEUE_NAME = /^(?=.{3,63}$)[a-z0-9]+(?:-[a-z0-9]+)*$/;

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * Storage Queue messages carry no properties, so the envelope is the JSON body itself: `correlationId`
 * (default: the message id) and `replyTo` beside the request. An invalid `replyTo` is left out here, so
 * the error saying so reaches the app's reply queue.
 */
export function messageMeta(entry: unknown, context: InvocationContext): MessageMeta {
  const meta = context.triggerMetadata ?? {};
  const body =
    entry && typeof entry === 'object' && !Buffer.isBuffer(entry) ? (entry as Record<string, unknown>) : {};
  const replyTo = str(body.replyTo);
  const count = meta.dequeueCount;
  const messageId = str(meta.id);
  return {
    messageId,
    dequeueCount: typeof count === 'number' ? count : undefined,
    correlationId: str(body.correlationId) ?? messageId,
    replyTo: replyTo && QUEUE_NAME.test(replyTo) ? replyTo : undefined,
  };
}
