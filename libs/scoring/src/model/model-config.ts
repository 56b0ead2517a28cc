import { ScoringError } from '../errors.js';
import type { ImagePreprocessing } from './image-preprocessing.js';
import { checkTraffic, type TrafficWeights } from './traffic.js';

/**
 * A Triton-style model configuration (`models/<name>/config.json`, optional). Field names are Triton's so
 * people who know Triton recognise them. What is written here is the *effective* configuration: the
 * file's fields over what the ONNX signature says (see auto-complete.ts).
 */
export interface TensorConfig {
  name: string;
  /** Triton type name: TYPE_FP32, TYPE_INT64, TYPE_STRING (v2 BYTES), ... */
  data_type: string;
  /** Shape without the batch dimension when max_batch_size > 0; -1 for a dynamic dimension. */
  dims: number[];
  /** A file beside config.json with one class label per line (Triton), for a classification output. */
  label_filename?: string;
}

export interface DynamicBatchingConfig {
  max_queue_delay_microseconds: number;
  preferred_batch_size?: number[];
  /** false: batches fill up to max_batch_size whatever they cost; default true (learnt, see BatchCost). */
  adaptive?: boolean;
}

/** Triton's model_warmup: inputs run once before the version is ready. */
export interface WarmupConfig {
  name: string;
  batch_size?: number;
  inputs: Record<string, { data_type: string; dims: number[]; zero_data?: boolean; random_data?: boolean }>;
}

export interface ModelConfig {
  name: string;
  platform: 'onnxruntime_onnx';
  /** > 0: dim 0 of every input and output is the batch, at most this many rows per run. 0: no batch dim. */
  max_batch_size: number;
  input: TensorConfig[];
  output: TensorConfig[];
  /**
   * The outputs the model exposes, by name (config.json `outputs`; default every output). The others are
   * never fetched from onnxruntime nor served: a segmentation model's intermediate maps stay in the session.
   */
  outputs?: string[];
  /** Class labels of the classification output, in output order (inline, or from labels.txt). */
  labels?: (string | number)[];
  preprocessing?: { image?: ImagePreprocessing & { input?: string } };
  /**
   * How outputs are answered besides tensors, checked at load: `image` (image-postprocessing.ts) or
   * `detection` (detection-config.ts), not both.
   */
  postprocessing?: { image?: unknown; detection?: unknown; [kind: string]: unknown };
  dynamic_batching?: DynamicBatchingConfig;
  version_policy?: { latest?: { num_versions: number }; all?: object; specific?: { versions: number[] } };
  versions?: Record<string, { sha256?: string; [k: string]: unknown }>;
  /** How requests that name no version are spread over the served versions, by weight; see traffic.ts. */
  traffic?: TrafficWeights;
  /** false: results are never looked up or stored (outputs too large to be worth caching). Default true. */
  cache?: boolean;
  model_warmup?: WarmupConfig[];
  /**
   * Outputs the graph reduces to their k largest entries along the last axis, by name: each becomes
   * `<name>.values` and `<name>.indices` (INT32). See top-k-graph.ts.
   */
  top_k?: Record<string, number>;
  /** Longest a request may take through this model (its entry script's run, or its inference); see timeouts.ts. */
  timeout_ms?: number;
  /** Longest a request run as a job (HTTP 202, answered at a status URL) may take; see timeouts.ts. */
  job_timeout_ms?: number;
  /** Longest the entry script's `init` may take before the version is UNAVAILABLE; see timeouts.ts. */
  init_timeout_ms?: number;
}

/** config.json as written by a user: every field optional, checked field by field. */
export interface PartialModelConfig {
  name?: string;
  platform?: string;
  max_batch_size?: number;
  input?: Partial<TensorConfig>[];
  output?: Partial<TensorConfig>[];
  outputs?: string[];
  labels?: (string | number)[];
  preprocessing?: { image?: unknown };
  postprocessing?: { image?: unknown; detection?: unknown; [kind: string]: unknown };
  dynamic_batching?: DynamicBatchingConfig;
  version_policy?: ModelConfig['version_policy'];
  versions?: ModelConfig['versions'];
  traffic?: TrafficWeights;
  cache?: boolean;
  model_warmup?: WarmupConfig[];
  top_k?: Record<string, number>;
  timeout_ms?: number;
  job_timeout_ms?: number;
  init_timeout_ms?: number;
  [k: string]: unknown;
}

export function configError(model: string, why: string): never {
  throw new ScoringError('INVALID_MODEL', `model "${model}": config.json ${why}`);
}

function tensorList(model: string, field: 'input' | 'output', raw: unknown): Partial<TensorConfig>[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) configError(model, `"${field}" must be a list of tensors`);
  return raw.map((t, i) => {
    const c = t as Partial<TensorConfig> | null;
    if (!c || typeof c !== 'object' || typeof c.name !== 'string' || c.name === '') {
      configError(model, `${field}[${i}] needs a "name" (the ONNX ${field} name)`);
    }
    if (c.data_type !== undefined && typeof c.data_type !== 'string') {
      configError(model, `${field}[${i}] data_type must be a string such as "TYPE_FP32"`);
    }
    if (
      c.dims !== undefined &&
      (!Array.isArray(c.dims) || c.dims.some((d) => !Number.isInteger(d) || d < -1 || d === 0))
    ) {
      configError(model, `${field}[${i}] dims must be a list of positive integers or -1 (dynamic)`);
    }
    return c;
  });
}

/**
 * Checks the shape of a config.json without the model: types and ranges of the fields it sets. Whether
 * those fields agree with the ONNX signature is decided when the two are merged.
 */
export function parseConfigFile(dirName: string, raw: unknown): PartialModelConfig {
  const c = raw as PartialModelConfig | null;
  if (!c || typeof c !== 'object' || Array.isArray(c)) configError(dirName, 'must be a JSON object');
  if (c.name !== undefined && c.name !== dirName) {
    configError(dirName, `name "${c.name}" differs from its folder`);
  }
  if (c.platform !== undefined && c.platform !== 'onnxruntime_onnx') {
    configError(
      dirName,
      `platform must be "onnxruntime_onnx" (only ONNX models are served; got ${c.platform})`,
    );
  }
  if (c.max_batch_size !== undefined && (!Number.isInteger(c.max_batch_size) || c.max_batch_size < 0)) {
    configError(dirName, 'max_batch_size must be an integer >= 0 (0: the model has no batch dimension)');
  }
  const db = c.dynamic_batching;
  if (
    db !== undefined &&
    (!Number.isFinite(db.max_queue_delay_microseconds) || db.max_queue_delay_microseconds < 0)
  ) {
    configError(dirName, 'dynamic_batching.max_queue_delay_microseconds must be >= 0');
  }
  if (
    c.labels !== undefined &&
    (!Array.isArray(c.labels) || c.labels.some((l) => typeof l !== 'string' && typeof l !== 'number'))
  ) {
    configError(dirName, '"labels" must be a list of strings or numbers');
  }
  if (c.cache !== undefined && typeof c.cache !== 'boolean')
    configError(dirName, '"cache" must be true or false');
  if (db?.adaptive !== undefined && typeof db.adaptive !== 'boolean')
    configError(dirName, 'dynamic_batching.adaptive must be true or false');
  checkWarmup(dirName, c.model_warmup);
  checkTraffic(dirName, c.traffic);
  if (
    c.outputs !== undefined &&
    (!Array.isArray(c.outputs) ||
      c.outputs.length === 0 ||
      c.outputs.some((o) => typeof o !== 'string') ||
      new Set(c.outputs).size !== c.outputs.length)
  )
    configError(dirName, '"outputs" must be a non-empty list of distinct output names, e.g. ["mask"]');
  if (
    c.top_k !== undefined &&
    (!c.top_k ||
      typeof c.top_k !== 'object' ||
      Array.isArray(c.top_k) ||
      Object.values(c.top_k).some((k) => !Number.isInteger(k) || (k as number) < 1))
  )
    configError(dirName, '"top_k" must map output names to integers >= 1, e.g. {"probabilities": 1}');
  for (const field of ['timeout_ms', 'job_timeout_ms', 'init_timeout_ms'] as const) {
    const ms = c[field];
    if (ms !== undefined && (!Number.isInteger(ms) || ms < 1))
      configError(dirName, `"${field}" must be an integer number of milliseconds >= 1`);
  }
  return {
    ...c,
    input: tensorList(dirName, 'input', c.input),
    output: tensorList(dirName, 'output', c.output),
  };
}

function checkWarmup(dirName: string, raw: unknown): void {
  if (raw === undefined) return;
  function bad(why: string): never {
    configError(dirName, `model_warmup ${why}`);
  }
  if (!Array.isArray(raw)) bad('must be a list of {name, batch_size, inputs}');
  for (const [i, w] of (raw as unknown[]).entries()) {
    const c = w as Partial<WarmupConfig> | null;
    if (!c || typeof c !== 'object' || typeof c.inputs !== 'object' || c.inputs === null)
      bad(`[${i}] needs "inputs": {"<input name>": {"data_type", "dims", "zero_data" | "random_data"}}`);
    if (c.batch_size !== undefined && (!Number.isInteger(c.batch_size) || c.batch_size < 0))
      bad(`[${i}].batch_size must be an integer >= 0`);
    for (const [name, t] of Object.entries(c.inputs!)) {
      if (!Array.isArray(t?.dims) || t.dims.some((d) => !Number.isInteger(d) || d < 1))
        bad(`[${i}].inputs.${name}.dims must be a list of positive integers`);
    }
  }
}
