import { Counter, Histogram, type Registry } from 'prom-client';

export interface InvocationMetrics {
  invocations: Counter<'trigger' | 'function' | 'outcome'>;
  seconds: Histogram<'trigger' | 'function' | 'outcome'>;
  items: Counter<'trigger' | 'function' | 'model' | 'version' | 'cache'>;
}

const made = new WeakMap<Registry, InvocationMetrics>();

/** Reuses a metric already in the registry: this module may be evaluated twice in one process (bundles, tests). */
function once<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

/** The per-trigger invocation series, in `registry` (the one GET /metrics serves). */
export function invocationMetrics(registry: Registry): InvocationMetrics {
  let m = made.get(registry);
  if (m) return m;
  const registers = [registry];
  m = {
    invocations: once(
      registry,
      'modelfn_invocations_total',
      () =>
        new Counter({
          name: 'modelfn_invocations_total',
          help: 'Function invocations by trigger (http, blob, servicebus), function and outcome (ok, rejected, unavailable, failed)',
          labelNames: ['trigger', 'function', 'outcome'] as const,
          registers,
        }),
    ),
    seconds: once(
      registry,
      'modelfn_invocation_duration_seconds',
      () =>
        new Histogram({
          name: 'modelfn_invocation_duration_seconds',
          help: 'Invocation time (handler and hooks) by trigger, function and outcome',
          labelNames: ['trigger', 'function', 'outcome'] as const,
          buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
          registers,
        }),
    ),
    items: once(
      registry,
      'modelfn_invocation_items_total',
      () =>
        new Counter({
          name: 'modelfn_invocation_items_total',
          help: 'Items answered by a model (requests, blobs, messages), by trigger, function, model, version and cache outcome',
          labelNames: ['trigger', 'function', 'model', 'version', 'cache'] as const,
          registers,
        }),
    ),
  };
  made.set(registry, m);
  return m;
}
