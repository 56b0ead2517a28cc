// What the apps, the local host and the tools use; everything else in the core stays internal.
export { ScoringError, isScoringError, toScoringError, type ErrorCode } from './errors.js';
export { readSettings, type Settings } from './settings.js';
export { createScorer, sharedScorer } from './create-scorer.js';
export {
  Scorer,
  type BodyRequest,
  type ManyItem,
  type ManyOutcome,
  type Prepared,
  type ScoreOptions,
} from './scorer.js';
export {
  response,
  type AMLRequest,
  type EntryContext,
  type EntryResponse,
  type EntryResult,
  type EntrySession,
  type Trigger,
} from './entry-script/types.js';
export type { RequestParts } from './entry-script/aml-request.js';
export type { InferenceRequest, InferenceResult } from './pipeline/inference-request.js';
export type { CacheStatus } from './cache/row-cache.js';
export { parseModelRef, type ModelRef } from './model-ref.js';
export { ModelRepository, type ModelSummary } from './model/model-repository.js';
export type { ModelVersion, ReadyModel } from './model/model-version.js';
export type { V2RequestMeta, V2RequestedOutput } from './decode/v2-request.js';
export { checkPayloadSize } from './decode/limits.js';
export { predictions, type Prediction, type PredictionOptions } from './encode/predictions.js';
export { classScores, predictedLabels, topClasses } from './encode/classify.js';
export type { Tensor, DataType } from './tensor/tensor.js';
export { tensorToJson } from './tensor/tensor-json.js';
export { tensorToBinary } from './tensor/tensor-binary.js';
export { registry, metrics } from './metrics.js';
