import type { ImageAnswerRequest, JobBudget, ModelRef } from '@modelfn/scoring';

/** The triggers an entry script can be called from (what its `request.trigger` says). */
export type TriggerName = 'http' | 'blob' | 'servicebus' | 'queue';

/**
 * What every trigger hands the core, whatever carried it: the payload, the model it names
 * (`x-model`, blob metadata `model`, the message's `model` property), and what an entry script sees of
 * the trigger besides the body.
 */
export interface TriggerRequest extends ModelRef {
  trigger: TriggerName;
  /** The bytes as they came (with their media type), or JSON the Functions host has already parsed. */
  payload: { body: Buffer; contentType?: string } | { object: unknown };
  /** Query and method (HTTP), blob properties and metadata, message properties. */
  properties?: Record<string, unknown>;
  headers?: Record<string, string>;
  /** `<container>/<name>` for a blob. */
  blobName?: string;
  /** Skip the cache for this request (HTTP `Cache-Control: no-cache`). */
  bypassCache?: boolean;
  /**
   * The outputs to answer (`?outputs=a,b`, blob metadata `outputs`, the message's `outputs` property or
   * envelope field); default every output the model exposes. Only these are fetched from the model.
   */
  outputs?: string[];
  /**
   * Answer the model's postprocessing.image output as an image (see imageAnswerOf): asked for by an
   * Accept header (required), or by default for a blob and a message when the model has one.
   */
  image?: ImageAnswerRequest;
  /**
   * Run as a job (POST /score answered 202, scored by the HTTP app's job function): bounded by the model's
   * `job_timeout_ms` instead of `timeout_ms`, and by `maxMs` (the app's functionTimeout, less a margin).
   */
  job?: JobBudget;
}
