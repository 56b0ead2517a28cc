import type { CacheStatus } from '../cache/index.js';
import type { ReadyModel } from '../model/model-version.js';
import type { Tensor } from '../tensor/tensor.js';

/** Decoded, validated input for one model version: what every codec produces and the pipeline runs. */
export interface InferenceRequest {
  model: ReadyModel;
  /** Every model input, in config order; dim 0 is the batch when the model has one. */
  inputs: Tensor[];
  /** Rows in the batch (1 for a model without a batch dimension). */
  rows: number;
  /** The inputs were read from a Redis key named in the body (`data_key`), not from the body itself. */
  byReference?: boolean;
}

export interface InferenceResult {
  model: ReadyModel;
  /** Every served output, in config order; dim 0 is the batch when the model has one. */
  outputs: Tensor[];
  rows: number;
  cache: CacheStatus;
}
