import type { ServiceBusMessage } from '@azure/service-bus';
import { replyContent, type Failure, type ReplyContent, type ScoreResult } from '@modelfn/functions';
import type { MessageMeta } from './message-meta.js';
import { replyTrace } from './reply-trace.js';
import { sbSettings } from './settings.js';

export interface Reply {
  queue: string;
  message: ServiceBusMessage;
  /** The request's messageId (else its correlationId, else made up): names an answer written to a blob. */
  id: string;
  /** What the message says, to say it another way when it is too large to send (large-reply.ts). */
  content: ReplyContent;
  /** The reply's trace properties (reply-trace.ts), for any message sent in its place. */
  trace: Record<string, string>;
}

function address(meta: MessageMeta) {
  return {
    queue: meta.replyTo ?? sbSettings.replyQueue,
    correlationId: meta.correlationId ?? meta.messageId,
  };
}

/** The reply to one message, at its `replyTo`, correlated, with its status as an application property. */
export function replyTo(meta: MessageMeta, outcome: ScoreResult | Failure): Reply {
  const { queue, correlationId } = address(meta);
  const content = replyContent(outcome, correlationId);
  const { properties, body, image } = content;
  const id = meta.messageId ?? correlationId ?? crypto.randomUUID();
  const payload = body as { model?: string; version?: string; cache?: string };
  const traced = replyTrace(meta, queue, {
    'modelfn.reply.status': properties.status,
    ...(payload.model ? { 'modelfn.model': payload.model } : {}),
    ...(payload.version ? { 'modelfn.model.version': payload.version } : {}),
    ...(payload.cache ? { 'modelfn.cache': payload.cache } : {}),
  });
  if (image) {
    // The image is the message; what it is travels as application properties (they take no objects).
    const facts = body.image as Record<string, string | number>;
    const { model, version, cache } = body as { model: string; version: string; cache: string };
    return {
      queue,
      id,
      content,
      trace: traced,
      message: {
        correlationId,
        contentType: image.contentType,
        applicationProperties: { ...properties, model, version, cache, ...facts, ...traced },
        body: image.body,
      },
    };
  }
  return {
    queue,
    id,
    content,
    trace: traced,
    message: {
      correlationId,
      contentType: 'application/json',
      applicationProperties: { ...properties, ...traced },
      body,
    },
  };
}
