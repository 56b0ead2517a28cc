export { ScoringError, isScoringError, toScoringError, type ErrorCode } from './errors.js';
export { readSettings, type Settings } from './settings.js';
export { parseModelConfig, type ModelConfig, type ImagePreprocessing } from './model/model-config.js';
export { ModelRepository, type ModelSummary } from './model/model-repository.js';
export type { ModelVersion, ModelState } from './model/model-version.js';
export {
  Scorer,
  type Scored,
  type ScoreOptions,
  type BodyRequest,
  type Prepared,
  type ReadyModel,
} from './scorer.js';
export { createScorer, sharedScorer } from './create-scorer.js';
export { DynamicBatcher } from './batcher.js';
export { concatRows, checkPayloadSize, type RowBatch, type InputLimits } from './convert/row-batch.js';
export { parseAmlJson, rowsFromJson, parseJson } from './convert/aml-json.js';
export { parseV2Request, splitBinaryBody, V2_DATATYPES, type V2Input } from './convert/v2-request.js';
export { rawBytesToRows, sniffMediaType, imageToRow, float32Rows, IMAGE_TYPES } from './convert/raw-bytes.js';
export {
  amlResponse,
  probabilityRows,
  labelsOf,
  argmax,
  encodeV2Response,
  sliceRows,
  type OutputRows,
  type EncodedV2Response,
} from './convert/outputs.js';
export {
  createRowCache,
  MemoryLruCache,
  RedisRowCache,
  TieredCache,
  OffCache,
  redisClientOptions,
  type CacheStatus,
  type RowCache,
  type CacheLookup,
} from './cache/index.js';
export { rowKeys, keyPrefix } from './cache/row-key.js';
export { registry, metrics } from './metrics.js';
export { serverMetadata, modelMetadata, repositoryIndex } from './v2-metadata.js';
export { openApiDocument } from './openapi.js';
