import type { ServiceBusMessage } from '@azure/service-bus';
import { labelsOf, probabilityRows, type Scored, type ScoringError } from '@modelfn/scoring';
import type { MessageMeta } from './message-meta.js';
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

export function resultReply(meta: MessageMeta, scored: Scored): Reply {
  const { queue, correlationId } = address(meta);
  return {
    queue,
    message: {
      correlationId,
      contentType: 'application/json',
      applicationProperties: { status: 'ok' },
      body: {
        correlationId,
        model: scored.model.name,
        version: scored.model.version,
        predictions: labelsOf(scored, scored.model.config.labels),
        probabilities: probabilityRows(scored),
        cache: scored.cache,
      },
    },
  };
}

export function errorReply(meta: MessageMeta, error: ScoringError): Reply {
  const { queue, correlationId } = address(meta);
  return {
    queue,
    message: {
      correlationId,
      contentType: 'application/json',
      applicationProperties: { status: 'error', code: error.code },
      body: { correlationId, error: error.message, code: error.code },
    },
  };
}
