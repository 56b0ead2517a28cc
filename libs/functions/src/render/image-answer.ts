import { ScoringError } from '@modelfn/scoring';
import type { ScoreResult } from '../adapter/score-result.js';
import type { BinaryHttpAnswer } from './binary-answer.js';

/**
 * `POST /score` answered as an image (`Accept: image/png`, `image/webp` or `image/*`): the encoded image
 * the core made, its media type, and which output and model it shows.
 */
export function imageHttpAnswer(result: ScoreResult): BinaryHttpAnswer {
  if ('entry' in result || !result.image)
    // The core refuses these before running; a renderer never answers JSON to an image request.
    throw new ScoringError('NOT_ACCEPTABLE', 'this answer has no image; accept application/json');
  const { image, outputs } = result;
  return {
    status: 200,
    body: image.body,
    headers: {
      'content-type': image.contentType,
      'x-output-name': /^[\x20-\x7e]*$/.test(image.output) ? image.output : encodeURIComponent(image.output),
      'x-model': `${outputs.model.name}:${outputs.model.version}`,
    },
  };
}

/** What a record or a reply says of an image it carries or points to (the bytes travel apart). */
export function imageFacts(result: ScoreResult): Record<string, unknown> | undefined {
  if ('entry' in result || !result.image) return undefined;
  const { contentType, width, height, output, mode } = result.image;
  return { contentType, width, height, output, mode };
}
