import type { RowCache } from '../cache/index.js';
import type { Settings } from '../settings.js';
import { CachedInference } from './cached-inference.js';
import { ModelRunner } from './model-runner.js';

/** The stages below decoding, as the settings configure them: cache-aside, then a model's queue and runs. */
export interface InferencePipeline {
  runner: ModelRunner;
  cached: CachedInference;
}

export function inferencePipeline(settings: Settings, cache: RowCache): InferencePipeline {
  const runner = new ModelRunner({
    batching: settings.batching,
    threads: settings.inferenceThreads,
    threadMaxRuns: settings.inferenceThreadMaxRuns,
    inlineMaxMs: settings.inferenceInlineMaxMs,
    queueMaxRows: settings.modelQueueMaxRows,
    queueMaxBytes: settings.modelQueueMaxBytes,
  });
  const cached = new CachedInference(
    cache,
    (model, inputs, rows, fetch) => runner.run(model, inputs, rows, fetch),
    settings.cacheMaxValueBytes,
  );
  return { runner, cached };
}
