// What the apps, the local host and the tools use; everything else in the core stays internal. Entry
// scripts import `./entry.ts` (`@modelfn/scoring/entry`) instead.
export { ScoringError, boundText, isScoringError, toScoringError, type ErrorCode } from './errors.js';
export {
  DEFAULT_INIT_TIMEOUT_MS,
  DEFAULT_JOB_TIMEOUT_MS,
  DEFAULT_TIMEOUT_MS,
  initTimeoutMs,
  jobTimeoutMs,
  requestBudget,
  runTimeoutMs,
  timeoutError,
  type JobBudget,
  type RequestBudget,
} from './model/timeouts.js';
export { readSettings, type Settings } from './settings.js';
export { createScorer, sharedScorer } from './create-scorer.js';
export { Scorer, type ManyOutcome } from './scorer.js';
export type {
  Answer,
  InferRequest,
  ModelAnswer,
  ModelRequest,
  Payload,
  ScoreOptions,
  TriggerFacts,
  TriggerInferRequest,
} from './infer-request.js';
export { registerCodec } from './decode/codecs.js';
export type { BodyCodec, Codec, DecodeContext, Decoded } from './decode/decoded.js';
export { V2_MEDIA_TYPE } from './decode/v2-codec.js';
export {
  imageGeometry,
  imageRectInInput,
  inputRectInSent,
  toInputPoint,
  toSentBox,
  toSentPoint,
  type Box,
  type ImageGeometry,
  type PixelRect,
} from './decode/image-geometry.js';
export type { InferenceResult } from './pipeline/inference-request.js';
export type { EntryResult } from './entry-script/types.js';
export type { CacheStatus } from './cache/index.js';
export { parseModelRef, type ModelRef } from './model-ref.js';
export { outputNamesOf } from './model/output-selection.js';
export { ModelRepository, type ModelSummary } from './model/model-repository.js';
export { blobRepositoryPlace } from './model/repository-location.js';
export type { ModelVersion } from './model/model-version.js';
export type { V2RequestMeta, V2RequestedOutput } from './decode/v2-request.js';
export { checkPayloadSize } from './decode/limits.js';
export { predictions, type Prediction } from './encode/predictions.js';
export {
  IMAGE_ANSWER_MEDIA_TYPES,
  type EncodedImage,
  type ImageAnswerFormat,
} from './encode/image-answer.js';
export type { ImageAnswerRequest } from './encode/image-request.js';
export { detections, type DetectedObject } from './encode/detections.js';
export type { Detection, DetectionConfig } from './model/detection-config.js';
export { classScores, predictedLabels, topClasses } from './encode/classify.js';
export type { Tensor, DataType } from './tensor/tensor.js';
export { tensorToJson } from './tensor/tensor-to-json.js';
export { tensorToBinary } from './tensor/tensor-binary.js';
export { registry, metrics } from './metrics.js';
