import { ScoringError } from '../errors.js';

/**
 * A Triton-style model configuration, as JSON (`models/<name>/config.json`). Only what the scoring path
 * uses is typed; Triton field names are kept so people who know Triton recognise them.
 */
export interface TensorConfig {
  name: string;
  data_type: 'TYPE_FP32';
  dims: number[];
}

export interface ImagePreprocessing {
  width: number;
  height: number;
  channels: 1;
  scale: number;
  invert: boolean;
}

export interface DynamicBatchingConfig {
  max_queue_delay_microseconds: number;
  preferred_batch_size?: number[];
}

export interface ModelConfig {
  name: string;
  platform: 'onnxruntime_onnx';
  max_batch_size: number;
  input: [TensorConfig];
  output: [TensorConfig];
  labels?: (string | number)[];
  preprocessing?: { image?: ImagePreprocessing };
  dynamic_batching?: DynamicBatchingConfig;
  version_policy?: { latest?: { num_versions: number }; all?: object; specific?: { versions: number[] } };
  versions?: Record<string, { sha256?: string }>;
}

function fail(model: string, why: string): never {
  throw new ScoringError('INVALID_MODEL', `model "${model}": config.json ${why}`);
}

function tensor(model: string, where: string, t: unknown): TensorConfig {
  const c = t as Partial<TensorConfig> | undefined;
  if (!c || typeof c.name !== 'string') fail(model, `${where} needs a "name"`);
  if (c.data_type !== 'TYPE_FP32') fail(model, `${where} data_type must be TYPE_FP32 (got ${c.data_type})`);
  if (!Array.isArray(c.dims) || c.dims.length !== 1 || !Number.isInteger(c.dims[0]) || c.dims[0] < 1) {
    fail(model, `${where} dims must be one positive integer, e.g. [784] (the batch dimension is implicit)`);
  }
  return { name: c.name, data_type: c.data_type, dims: c.dims };
}

/** Validates a parsed config.json; the scoring path supports one FP32 input row and one FP32 output row. */
export function parseModelConfig(dirName: string, raw: unknown): ModelConfig {
  const c = raw as Partial<ModelConfig> | null;
  if (!c || typeof c !== 'object') fail(dirName, 'must be a JSON object');
  if (c.name !== undefined && c.name !== dirName) fail(dirName, `name "${c.name}" differs from its folder`);
  if (c.platform !== 'onnxruntime_onnx') {
    fail(dirName, `platform must be "onnxruntime_onnx" (only ONNX models are served; got ${c.platform})`);
  }
  if (!Array.isArray(c.input) || c.input.length !== 1) fail(dirName, 'must declare exactly one input');
  if (!Array.isArray(c.output) || c.output.length !== 1) fail(dirName, 'must declare exactly one output');
  const input = tensor(dirName, 'input[0]', c.input[0]);
  const output = tensor(dirName, 'output[0]', c.output[0]);
  const maxBatch = c.max_batch_size ?? 256;
  if (!Number.isInteger(maxBatch) || maxBatch < 1) fail(dirName, 'max_batch_size must be a positive integer');
  if (c.labels && c.labels.length !== output.dims[0]) {
    fail(dirName, `has ${c.labels.length} labels for an output of ${output.dims[0]} values`);
  }
  const image = c.preprocessing?.image;
  if (image) {
    if (image.width * image.height * (image.channels ?? 1) !== input.dims[0]) {
      fail(dirName, 'preprocessing.image width*height*channels must equal the input size');
    }
    if (image.channels !== undefined && image.channels !== 1)
      fail(dirName, 'only 1-channel images are supported');
  }
  const db = c.dynamic_batching;
  if (db && (!Number.isFinite(db.max_queue_delay_microseconds) || db.max_queue_delay_microseconds < 0)) {
    fail(dirName, 'dynamic_batching.max_queue_delay_microseconds must be >= 0');
  }
  return {
    ...c,
    name: dirName,
    platform: 'onnxruntime_onnx',
    max_batch_size: maxBatch,
    input: [input],
    output: [output],
    preprocessing: image ? { image: { ...image, channels: 1, invert: !!image.invert } } : undefined,
  } as ModelConfig;
}
