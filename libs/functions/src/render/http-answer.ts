import { predictions } from '@modelfn/scoring';
import type { ScoreResult } from '../adapter/score-result.js';

/** `?probabilities=true`, `?top=k`: how a classifier's rows are answered. */
export type PredictionOptions = NonNullable<Parameters<typeof predictions>[1]>;

/** An HTTP answer as `@azure/functions` takes it (`HttpResponseInit`), headers as a plain record. */
export interface HttpAnswer {
  status: number;
  jsonBody: unknown;
  headers: Record<string, string>;
}

/**
 * `POST /score`'s answer: one item per row (labels, probabilities or top-k for a classifier, outputs by
 * name otherwise), or what an entry script's `run` answered, with its status and headers; `x-model` says
 * which version answered.
 */
export function scoreAnswer(result: ScoreResult, options: PredictionOptions = {}): HttpAnswer {
  if ('entry' in result) {
    const { entry } = result;
    return {
      status: entry.status,
      jsonBody: entry.body,
      headers: {
        'content-type': 'application/json',
        ...entry.headers,
        'x-model': `${entry.model.name}:${entry.model.version}`,
      },
    };
  }
  const { outputs } = result;
  return {
    status: 200,
    jsonBody: predictions(outputs, options),
    headers: {
      'content-type': 'application/json',
      'x-model': `${outputs.model.name}:${outputs.model.version}`,
    },
  };
}
