import type { CacheStatus, EntryResult, InferenceResult } from '@modelfn/scoring';

/** What a request came to: a model's outputs, or what the model's entry script answered. */
export type ScoreResult = { outputs: InferenceResult } | { entry: EntryResult };

/** Who answered and how the cache did: what every renderer, log line and metric names. */
export function answeredBy(result: ScoreResult): { model: string; version: string; cache: CacheStatus } {
  const { model, cache } = 'outputs' in result ? result.outputs : result.entry;
  return { model: model.name, version: model.version, cache };
}
