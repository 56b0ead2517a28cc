import { registry } from '@modelfn/scoring';
import { openApiDocument } from '../protocol/openapi.js';
import type { ScopedHandler, ScorerSource } from '../request-scope.js';
import { json } from '../respond.js';

/** `GET /swagger.json`: OpenAPI generated from the served models' signatures. */
export function swaggerHandler(scorer: ScorerSource): ScopedHandler {
  return async () => json(200, openApiDocument((await scorer()).repository));
}

/** `GET /metrics`: the process's Prometheus registry (the scoring core's and the invocation series) as text. */
export function metricsHandler(): ScopedHandler {
  return async () => ({
    status: 200,
    body: await registry.metrics(),
    headers: { 'content-type': registry.contentType },
  });
}
