import type { CacheStatus, EncodedImage, EntryResult, InferenceResult } from '@modelfn/scoring';

/**
 * What a request came to: a model's outputs (and, when the request asked for one and the model has
 * postprocessing.image, its image), or what the model's entry script answered.
 */
export type ScoreResult = { outputs: InferenceResult; image?: EncodedImage } | { entry: EntryResult };

/** Who answered and how the cache did: what every renderer, log line and metric names. */
export function answeredBy(result: ScoreResult): { model: string; version: string; cache: CacheStatus } {
  const { model, cache } = 'outputs' in result ? result.outputs : result.entry;
  return { model: model.name, version: model.version, cache };
}
