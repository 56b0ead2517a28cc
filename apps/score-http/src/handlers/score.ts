import { amlResponse } from '@modelfn/scoring';
import type { ScopedHandler, ScorerSource } from '../instrument.js';
import { modelFromHeader, queryFlag, readBody, wantsCacheBypass } from '../request-input.js';
import { json } from '../respond.js';
import { knownModel } from './model-label.js';

/**
 * `POST /score`, Azure ML style: JSON rows (`{"data": [[...]]}` or `{"data_key"}`) or one raw input
 * (PNG, JPEG, float32 bytes). Answers a list of labels, or labels with probabilities on `?probabilities=true`.
 */
export function scoreHandler(scorer: ScorerSource): ScopedHandler {
  return async (request, scope) => {
    const s = await scorer();
    const target = modelFromHeader(request.headers.get('x-model'));
    scope.model = knownModel(s.repository, target.model);
    const withProbabilities = queryFlag(request, 'probabilities');
    const body = await readBody(request, s.settings.maxRequestBytes);
    const scored = await s.scoreBody({
      body,
      contentType: request.headers.get('content-type') ?? undefined,
      ...target,
      bypassCache: wantsCacheBypass(request),
    });
    scope.model = scored.model.name;
    scope.cache = scored.cache;
    return json(200, amlResponse(scored, scored.model.config.labels, withProbabilities), {
      'x-model': `${scored.model.name}:${scored.model.version}`,
    });
  };
}
