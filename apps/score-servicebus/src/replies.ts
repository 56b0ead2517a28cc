import type { ServiceBusMessage } from '@azure/service-bus';
import {
  classScores,
  predictions,
  type EntryResult,
  type InferenceResult,
  type ScoringError,
} from '@modelfn/scoring';
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

/** A JSON reply to the request's `replyTo`, correlated, with its status as an application property. */
function reply(
  meta: MessageMeta,
  properties: Record<string, string>,
  body: (correlationId: string | undefined) => object,
): Reply {
  const { queue, correlationId } = address(meta);
  const payload = body(correlationId) as { model?: string; version?: string; cache?: string };
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
      body: payload,
    },
  };
}

/** `predictions` one per row (labels for a classifier, outputs by name otherwise), and class probabilities. */
export function resultReply(meta: MessageMeta, result: InferenceResult): Reply {
  const scores = classScores(result);
  return reply(meta, { status: 'ok' }, (correlationId) => ({
    correlationId,
    model: result.model.name,
    version: result.model.version,
    predictions: predictions(result),
    ...(scores ? { probabilities: scores } : {}),
    cache: result.cache,
  }));
}

/** A model with an entry script: `result` is what its `run` answered. */
export function entryReply(meta: MessageMeta, answer: EntryResult): Reply {
  return reply(meta, { status: 'ok' }, (correlationId) => ({
    correlationId,
    model: answer.model.name,
    version: answer.model.version,
    result: answer.body,
    cache: answer.cache,
  }));
}

export function errorReply(meta: MessageMeta, error: ScoringError): Reply {
  return reply(meta, { status: 'error', code: error.code }, (correlationId) => ({
    correlationId,
    error: error.message,
    code: error.code,
  }));
}
