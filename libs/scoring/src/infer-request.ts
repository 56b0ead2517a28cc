import type { EntryResult, Trigger } from './entry-script/types.js';
import type { ModelRef } from './model-ref.js';
import type { InferenceResult } from './pipeline/inference-request.js';
import type { V2RequestMeta } from './decode/v2-request.js';
import type { EncodedImage } from './encode/image-answer.js';
import type { ImageAnswerRequest } from './encode/image-request.js';
import type { JobBudget } from './model/timeouts.js';

export interface ScoreOptions {
  /** Skip the cache for this request (reads and writes): the answer comes from the model. */
  bypassCache?: boolean;
  /**
   * The outputs to answer, by name (`?outputs=`, blob metadata or message property `outputs`); default
   * every output the model exposes. Only these are fetched from onnxruntime. A v2 body's own `outputs`
   * select when this is unset. An entry script's model ignores it (the script reads its request).
   */
  outputs?: string[];
  /**
   * Answer the model's postprocessing.image output as an encoded image (`ModelAnswer.image`), made after
   * the cache; only that output is fetched. See encode/image-request.ts.
   */
  image?: ImageAnswerRequest;
  /**
   * The request runs as a job (HTTP 202, answered at a status URL): bounded by the model's `job_timeout_ms`
   * instead of its `timeout_ms`, and by `maxMs` when that is less (see timeouts.ts).
   */
  job?: JobBudget;
}

/**
 * What a trigger carries, as it carries it: bytes with their media type, JSON the host already parsed (a
 * Service Bus message), or an Open Inference Protocol v2 body (JSON, or JSON and binary tensors when
 * `headerLength` is set).
 */
export type Payload =
  { body: Buffer; contentType?: string } | { object: unknown } | { v2: Buffer; headerLength?: number };

/**
 * What an entry script sees of the trigger besides the body. A request that names its trigger may be
 * answered by the model's entry script; one without is for the model's graph only.
 */
export interface TriggerFacts {
  trigger: Trigger;
  headers?: Record<string, string>;
  properties?: Record<string, unknown>;
  /** `<container>/<name>` for a blob. */
  blobName?: string;
}

/** A request for a model's graph: no trigger, so never an entry script's. */
export type ModelRequest = Payload & ModelRef & ScoreOptions & { trigger?: undefined };

/** A request from a trigger: the model's entry script answers it when the model has one. */
export type TriggerInferRequest = Payload & ModelRef & ScoreOptions & TriggerFacts;

export type InferRequest = ModelRequest | TriggerInferRequest;

/** A model's outputs, and for a v2 request what it asked for besides its inputs. */
export interface ModelAnswer extends InferenceResult {
  v2?: V2RequestMeta;
  /** The answer as an image, when the request asked for one (ScoreOptions.image) and the model has one. */
  image?: EncodedImage;
}

/** What a request came to: a model's outputs, or what its entry script answered (`kind: 'entry'`). */
export type Answer = ModelAnswer | EntryResult;
