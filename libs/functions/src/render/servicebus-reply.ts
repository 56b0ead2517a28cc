import { classScores, predictions, type EncodedImage } from '@modelfn/scoring';
import type { Failure } from '../adapter/failure.js';
import type { ScoreResult } from '../adapter/score-result.js';
import { imageFacts } from './image-answer.js';

/** A reply's body and the application properties that say how it went (`status`, and `code` on errors). */
export interface ReplyContent {
  properties: { status: 'ok' } | { status: 'error'; code: string };
  body: Record<string, unknown>;
  /**
   * An image answer: its bytes travel as the message (or with it), `body.image` says what they are
   * (contentType, width, height, output, mode).
   */
  image?: EncodedImage;
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
  const image = imageFacts(outcome);
  if (image) {
    const { model, cache } = result;
    return {
      properties: { status: 'ok' },
      body: { correlationId, model: model.name, version: model.version, image, cache },
      image: outcome.image,
    };
  }
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
