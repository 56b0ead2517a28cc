import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One Prometheus registry for the process. The scoring core records what only it can see (cache, batches,
 * inference time); triggers add their own request metrics to the same registry.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'modelfn_process_' });

export const metrics = {
  cacheTooLarge: new Counter({
    name: 'modelfn_cache_rows_too_large_total',
    help: 'Scored rows not written to the cache because their value is over CACHE_MAX_VALUE_BYTES, by model',
    labelNames: ['model'] as const,
    registers: [registry],
  }),
  cacheLookups: new Counter({
    name: 'modelfn_cache_rows_total',
    help: 'Rows looked up in the result cache, by model and result (hit, miss, bypass)',
    labelNames: ['model', 'result'] as const,
    registers: [registry],
  }),
  cacheErrors: new Counter({
    name: 'modelfn_cache_errors_total',
    help: 'Cache operations that failed or timed out (scoring went on without the cache)',
    labelNames: ['operation'] as const,
    registers: [registry],
  }),
  cacheBreakerOpen: new Gauge({
    name: 'modelfn_cache_breaker_open',
    help: '1 while the Redis circuit breaker is open (cache bypassed), else 0',
    registers: [registry],
  }),
  inferenceSeconds: new Histogram({
    name: 'modelfn_inference_seconds',
    help: 'onnxruntime session.run time per batch',
    labelNames: ['model', 'version'] as const,
    buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
    registers: [registry],
  }),
  queueRows: new Gauge({
    name: 'modelfn_queue_rows',
    help: 'Rows waiting for a run, by model',
    labelNames: ['model'] as const,
    registers: [registry],
  }),
  queueWaitSeconds: new Histogram({
    name: 'modelfn_queue_wait_seconds',
    help: 'Time a request waited for its run (batching delay and busy model), by model',
    labelNames: ['model'] as const,
    buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  }),
  queueShed: new Counter({
    name: 'modelfn_queue_shed_total',
    help: 'Requests refused with OVERLOADED because the model queue was full, by model',
    labelNames: ['model'] as const,
    registers: [registry],
  }),
  batchLimit: new Gauge({
    name: 'modelfn_batch_limit_rows',
    help: 'Rows per run that adaptive batching last found worth batching, by model',
    labelNames: ['model'] as const,
    registers: [registry],
  }),
  modelLoads: new Counter({
    name: 'modelfn_model_loads_total',
    help: 'Model versions loaded and swapped in while serving (MODEL_CONTROL_MODE poll or explicit), by model and version',
    labelNames: ['model', 'version'] as const,
    registers: [registry],
  }),
  modelLoadFailures: new Counter({
    name: 'modelfn_model_load_failures_total',
    help: 'Model versions that failed to load or warm up while serving (the version loaded before, if any, kept serving), by model and version',
    labelNames: ['model', 'version'] as const,
    registers: [registry],
  }),
  repositoryPolls: new Counter({
    name: 'modelfn_model_repository_polls_total',
    help: 'Reads of the model repository by MODEL_CONTROL_MODE=poll (timed, or an Event Grid poke), counted when done: outcome read, or unreadable (the loaded versions kept serving)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  }),
  modelUnloads: new Counter({
    name: 'modelfn_model_unloads_total',
    help: 'Model versions drained and released while serving (replaced, removed or unloaded), by model and version',
    labelNames: ['model', 'version'] as const,
    registers: [registry],
  }),
  pooled: new Gauge({
    name: 'modelfn_inference_pooled',
    help: '1 when the model version runs in the inference thread pool, 0 when in the event-loop thread',
    labelNames: ['model', 'version'] as const,
    registers: [registry],
  }),
  poolThreadsStarted: new Counter({
    name: 'modelfn_inference_pool_threads_started_total',
    help: 'Inference pool threads started: the first ones, and replacements (recycled or failed)',
    registers: [registry],
  }),
  poolBusy: new Gauge({
    name: 'modelfn_inference_pool_busy_threads',
    help: 'Inference pool threads running a model now',
    registers: [registry],
  }),
  batchRows: new Histogram({
    name: 'modelfn_batch_rows',
    help: 'Rows per session.run (after caching and dynamic batching)',
    labelNames: ['model'] as const,
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers: [registry],
  }),
};
