import type { HttpRequest } from '@azure/functions';
import { predictions, ScoringError } from '@modelfn/scoring';
import type { ScopedHandler, ScorerSource } from '../instrument.js';
import { modelFromHeader, queryFlag, readBody, wantsCacheBypass } from '../request-input.js';
import { json } from '../respond.js';
import { knownModel } from './model-label.js';

/** `?top=k`: the k best classes per row. */
function topOf(request: HttpRequest): number | undefined {
  const raw = request.query.get('top');
  if (raw === null) return undefined;
  const k = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isInteger(k) || k < 1) {
    throw new ScoringError('INVALID_INPUT', `query parameter top=${raw} must be a positive integer`);
  }
  return k;
}

/**
 * `POST /score`, Azure ML style: JSON (`{"data": ...}` or `{"data_key"}`, or v2 `inputs`) or one raw input
 * (an image, raw tensor bytes). Answers one item per row: a classifier's label (`?probabilities=true`:
 * label and probabilities; `?top=k`: the k best), any other model's outputs by name. A model with an
 * entry script gets the raw request and answers what its `run` returns.
 */
export function scoreHandler(scorer: ScorerSource): ScopedHandler {
  return async (request, scope) => {
    const s = await scorer();
    const target = modelFromHeader(request.headers.get('x-model'));
    scope.model = knownModel(s.repository, target.model);
    const body = await readBody(request, s.settings.maxRequestBytes);
    if (s.hasEntryScript(target)) {
      const answer = await s.runEntry({
        trigger: 'http',
        body,
        contentType: request.headers.get('content-type') ?? undefined,
        headers: Object.fromEntries(request.headers.entries()),
        properties: { method: request.method, query: Object.fromEntries(request.query.entries()) },
        ...target,
        bypassCache: wantsCacheBypass(request),
      });
      scope.cache = answer.cache;
      return json(answer.status, answer.body, {
        ...answer.headers,
        'x-model': `${answer.model.name}:${answer.model.version}`,
      });
    }
    const options = { probabilities: queryFlag(request, 'probabilities'), top: topOf(request) };
    const result = await s.score({
      body,
      contentType: request.headers.get('content-type') ?? undefined,
      ...target,
      bypassCache: wantsCacheBypass(request),
    });
    scope.model = result.model.name;
    scope.cache = result.cache;
    return json(200, predictions(result, options), {
      'x-model': `${result.model.name}:${result.model.version}`,
    });
  };
}
