import { classScores, predictions } from '@modelfn/scoring';
import type { Failure } from '../adapter/failure.js';
import type { ScoreResult } from '../adapter/score-result.js';

/** A reply's body and the application properties that say how it went (`status`, and `code` on errors). */
export interface ReplyContent {
  properties: { status: 'ok' } | { status: 'error'; code: string };
  body: Record<string, unknown>;
}

/**
 * The reply to one message, correlated: `predictions` one per row and class `probabilities` for a model,
 * `result` for an entry script, `error` and `code` for a request that can never succeed.
 */
export function replyContent(
  outcome: ScoreResult | Failure,
  correlationId: string | undefined,
): ReplyContent {
  if ('error' in outcome) {
    const { error } = outcome;
    return {
      properties: { status: 'error', code: error.code },
      body: { correlationId, error: error.message, code: error.code },
    };
  }
  if ('entry' in outcome) {
    const { entry } = outcome;
    return {
      properties: { status: 'ok' },
      body: {
        correlationId,
        model: entry.model.name,
        version: entry.model.version,
        result: entry.body,
        cache: entry.cache,
      },
    };
  }
  const result = outcome.outputs;
  const scores = classScores(result);
  return {
    properties: { status: 'ok' },
    body: {
      correlationId,
      model: result.model.name,
      version: result.model.version,
      predictions: predictions(result),
      ...(scores ? { probabilities: scores } : {}),
      cache: result.cache,
    },
  };
}
