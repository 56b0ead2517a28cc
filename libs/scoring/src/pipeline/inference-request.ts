import type { CacheStatus } from '../cache/index.js';
import type { ImageGeometry } from '../decode/image-geometry.js';
import type { ReadyModel } from '../model/model-version.js';
import type { OutputSelection } from '../model/output-selection.js';
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
  /** The outputs asked for (see output-selection.ts); undefined: every served output. */
  selected?: OutputSelection;
}

export interface InferenceResult {
  model: ReadyModel;
  /** Every served output (the selected ones when `selected` is set), in config order; dim 0 is the batch when the model has one. */
  outputs: Tensor[];
  /** Set when the request selected outputs: `outputs` are those, and a classifier's answer is them by name. */
  selected?: OutputSelection;
  rows: number;
  cache: CacheStatus;
  /**
   * The sent images' geometry, one per row, when the rows came from images. From this request's decode,
   * never from the cache (cached rows are tensors only), so a cache hit carries it too.
   */
  images?: ImageGeometry[];
}
