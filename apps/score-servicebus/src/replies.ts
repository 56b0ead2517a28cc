import type { ServiceBusMessage } from '@azure/service-bus';
import { replyContent, type Failure, type ScoreResult } from '@modelfn/functions';
import type { MessageMeta } from './message-meta.js';
import { replyTrace } from './reply-trace.js';
import { sbSettings } from './settings.js';

export interface Reply {
  queue: string;
  message: ServiceBusMessage;
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
  const { properties, body } = replyContent(outcome, correlationId);
  const payload = body as { model?: string; version?: string; cache?: string };
  const traced = replyTrace(meta, queue, {
    'modelfn.reply.status': properties.status,
    ...(payload.model ? { 'modelfn.model': payload.model } : {}),
    ...(payload.version ? { 'modelfn.model.version': payload.version } : {}),
    ...(payload.cache ? { 'modelfn.cache': payload.cache } : {}),
  });
  return {
    queue,
    message: {
      correlationId,
      contentType: 'application/json',
      applicationProperties: { ...properties, ...traced },
      body,
    },
  };
}
