import { registry } from '@modelfn/scoring';
import { Counter, Histogram } from 'prom-client';

const LABELS = ['function', 'model', 'outcome'] as const;

/** Reuses a metric already in the registry: the module may be evaluated twice in one process (tests, hot reload). */
function once<T>(name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

export const httpMetrics = {
  requests: once(
    'modelfn_http_requests_total',
    () =>
      new Counter({
        name: 'modelfn_http_requests_total',
        help: 'HTTP requests by function, model and outcome (status class: 2xx, 4xx, 5xx)',
        labelNames: LABELS,
        registers: [registry],
      }),
  ),
  seconds: once(
    'modelfn_http_request_duration_seconds',
    () =>
      new Histogram({
        name: 'modelfn_http_request_duration_seconds',
        help: 'Time from handler start to response, by function, model and outcome',
        labelNames: LABELS,
        buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
        registers: [registry],
      }),
  ),
  cache: once(
    'modelfn_http_cache_responses_total',
    () =>
      new Counter({
        name: 'modelfn_http_cache_responses_total',
        help: 'Scoring responses by function, model and x-cache value (hit, miss, partial, bypass)',
        labelNames: ['function', 'model', 'cache'] as const,
        registers: [registry],
      }),
  ),
};

export function outcomeOf(status: number): string {
  return `${Math.floor(status / 100)}xx`;
}
