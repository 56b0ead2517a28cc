import { ScoringError } from '../errors.js';
import { takeBinary } from './v2-binary-section.js';
import { describeDims, fitsDims } from '../model/io-spec.js';
import type { ReadyModel } from '../model/model-version.js';
import { DATATYPES, isDataType } from '../tensor/datatype.js';
import { tensorFromBinary } from '../tensor/tensor-binary.js';
import { tensorFromJson } from '../tensor/tensor-from-json.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkRowCount, type InputLimits } from './limits.js';
import { checkKnownName, isObject } from './names.js';
import { parseJson } from './parse-json.js';
import type { ImageGeometry } from './image-geometry.js';
import { decodeV2Images, isImageBytesInput, readV2Images, type V2Images } from './v2-image-input.js';

/** An output a v2 request asks for, with how it wants it. */
export interface V2RequestedOutput {
  name: string;
  /** Binary tensor data extension for this output (else the request default). */
  binary?: boolean;
  /** Triton's classification extension: the top-k classes as "score:index[:label]" strings. */
  classification?: number;
}

export interface V2RequestMeta {
  id?: string;
  /** The request's own parameters, as sent. */
  parameters?: Record<string, unknown>;
  /** Outputs asked for, in the request's order; undefined means every output. */
  outputs?: V2RequestedOutput[];
  binaryByDefault: boolean;
}

export interface V2Decoded {
  meta: V2RequestMeta;
  /** Set when the inputs are read from a Redis key (`parameters.data_key`). */
  dataKey?: string;
  /** Every input in config order; the image input's slot is empty while `images` holds its encoded rows. */
  inputs?: Tensor[];
  rows?: number;
  /** The model's image input sent as encoded images (BYTES), to decode with v2Inputs. */
  images?: V2Images;
}

/** Longest request `id` echoed back: an id names a request, it does not carry data. */
export const MAX_REQUEST_ID_LENGTH = 256;

interface RawInput {
  name?: unknown;
  shape?: unknown;
  datatype?: unknown;
  data?: unknown;
  parameters?: { binary_data_size?: unknown };
}

/**
 * Splits a body that uses the binary tensor data extension: the first `headerLength` bytes are the JSON
 * request, the rest holds the binary tensors in input order.
 */
export function splitBinaryBody(
  body: Buffer,
  headerLength: number | undefined,
): { json: Buffer; binary: Buffer } {
  if (headerLength === undefined) return { json: body, binary: Buffer.alloc(0) };
  if (!Number.isInteger(headerLength) || headerLength < 0 || headerLength > body.length) {
    throw new ScoringError(
      'INVALID_INPUT',
      `Inference-Header-Content-Length ${headerLength} must be an integer between 0 and the body length ${body.length}`,
    );
  }
  return { json: body.subarray(0, headerLength), binary: body.subarray(headerLength) };
}

function requestedOutputs(model: ReadyModel, raw: unknown): V2RequestedOutput[] | undefined {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw)) throw new ScoringError('INVALID_INPUT', '"outputs" must be a list of {"name"}');
  // An empty list asks for nothing in particular: every output, as Triton answers it.
  if (raw.length === 0) return undefined;
  const seen = new Set<string>();
  return raw.map((o, i) => {
    if (!isObject(o) || typeof o.name !== 'string') {
      throw new ScoringError('INVALID_INPUT', `outputs[${i}] must be an object with a "name"`);
    }
    checkKnownName('output', o.name, model.outputs);
    if (seen.has(o.name)) throw new ScoringError('INVALID_INPUT', `output "${o.name}" is asked for twice`);
    seen.add(o.name);
    const p = isObject(o.parameters) ? o.parameters : {};
    const k = p.classification;
    if (k !== undefined && (!Number.isInteger(k) || (k as number) < 1)) {
      throw new ScoringError(
        'INVALID_INPUT',
        `outputs[${i}] parameters.classification must be a positive integer`,
      );
    }
    if (p.binary_data !== undefined && typeof p.binary_data !== 'boolean') {
      throw new ScoringError('INVALID_INPUT', `outputs[${i}] parameters.binary_data must be true or false`);
    }
    return {
      name: o.name,
      ...(typeof p.binary_data === 'boolean' ? { binary: p.binary_data } : {}),
      ...(k !== undefined ? { classification: k as number } : {}),
    };
  });
}

function decodeInput(model: ReadyModel, raw: RawInput, binary: Buffer, offset: { at: number }): Tensor {
  const name = raw.name as string;
  const spec = model.inputs.find((s) => s.name === name)!;
  if (typeof raw.datatype !== 'string' || !isDataType(raw.datatype)) {
    throw new ScoringError(
      'INVALID_DATATYPE',
      `input "${name}" datatype ${JSON.stringify(raw.datatype)} is not a v2 datatype (${DATATYPES.join(', ')})`,
    );
  }
  if (raw.datatype !== spec.datatype) {
    throw new ScoringError('INVALID_DATATYPE', `input "${name}" is ${spec.datatype}; got ${raw.datatype}`);
  }
  const shape = raw.shape;
  if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new ScoringError(
      'INVALID_SHAPE',
      `input "${name}" shape must be a list of sizes; got ${JSON.stringify(shape)}`,
    );
  }
  const rowShape = model.batched ? shape.slice(1) : shape;
  if ((model.batched && shape.length === 0) || !fitsDims(rowShape, spec.dims)) {
    throw new ScoringError(
      'INVALID_SHAPE',
      `input "${name}" shape must be ${describeDims(spec.dims, model.batched)}; got ${JSON.stringify(shape)}`,
    );
  }
  const size = raw.parameters?.binary_data_size;
  if (size === undefined) {
    if (raw.data === undefined) throw new ScoringError('INVALID_INPUT', `input "${name}" has no "data"`);
    return tensorFromJson(name, spec.datatype, shape as number[], raw.data);
  }
  if (raw.data !== undefined) {
    throw new ScoringError('INVALID_INPUT', `input "${name}" has both "data" and binary_data_size`);
  }
  return tensorFromBinary(name, spec.datatype, shape as number[], takeBinary(name, size, binary, offset));
}

/**
 * A v2 inference request, checked against the model: every input present once with the model's
 * datatype and a shape its dims allow, data as JSON or in the binary section, outputs that exist.
 */
export function decodeV2Object(
  parsed: unknown,
  binary: Buffer,
  model: ReadyModel,
  limits: InputLimits,
): V2Decoded {
  if (!isObject(parsed) || !Array.isArray(parsed.inputs)) {
    throw new ScoringError(
      'INVALID_INPUT',
      'a v2 inference request needs "inputs": [{"name", "shape", "datatype", "data"}]',
    );
  }
  const id = parsed.id;
  if (id !== undefined && typeof id !== 'string')
    throw new ScoringError('INVALID_INPUT', '"id" must be a string');
  if (typeof id === 'string' && id.length > MAX_REQUEST_ID_LENGTH) {
    throw new ScoringError(
      'INVALID_INPUT',
      `"id" is ${id.length} characters; at most ${MAX_REQUEST_ID_LENGTH}`,
    );
  }
  if (parsed.parameters !== undefined && !isObject(parsed.parameters)) {
    throw new ScoringError('INVALID_INPUT', '"parameters" must be an object');
  }
  const parameters = parsed.parameters as Record<string, unknown> | undefined;
  const k = parameters?.classification;
  if (k !== undefined && (!Number.isInteger(k) || (k as number) < 1)) {
    throw new ScoringError('INVALID_INPUT', 'parameters.classification must be a positive integer');
  }
  const meta: V2RequestMeta = {
    ...(id !== undefined ? { id } : {}),
    ...(parameters !== undefined ? { parameters } : {}),
    outputs: requestedOutputs(model, parsed.outputs),
    binaryByDefault: parameters?.binary_data_output === true,
  };
  const inputs = parsed.inputs as RawInput[];
  const dataKey = parameters?.data_key;
  if (dataKey !== undefined) {
    if (typeof dataKey !== 'string' || dataKey.length === 0 || dataKey.length > 1024) {
      throw new ScoringError(
        'INVALID_INPUT',
        'parameters.data_key must be a Redis key of 1 to 1024 characters',
      );
    }
    if (inputs.length > 0) {
      throw new ScoringError('INVALID_INPUT', 'send either "inputs" or parameters.data_key, not both');
    }
    return { meta, dataKey };
  }
  const byName = new Map<string, RawInput>();
  inputs.forEach((t, i) => {
    if (!isObject(t) || typeof t.name !== 'string') {
      throw new ScoringError('INVALID_INPUT', `inputs[${i}] must be an object with a "name"`);
    }
    checkKnownName('input', t.name, model.inputs);
    if (byName.has(t.name)) throw new ScoringError('INVALID_INPUT', `input "${t.name}" is given twice`);
    byName.set(t.name, t);
  });
  const absent = model.inputs.filter((s) => !byName.has(s.name)).map((s) => `"${s.name}"`);
  if (absent.length > 0)
    throw new ScoringError('INVALID_INPUT', `the request lacks input ${absent.join(', ')}`);
  // Binary inputs are laid out in the order the request lists them.
  const offset = { at: 0 };
  let images: V2Images | undefined;
  const decoded = new Map<string, Tensor>();
  for (const t of inputs) {
    if (isImageBytesInput(model, t)) {
      images = { at: model.image!.input, images: readV2Images(model, t, binary, offset) };
      checkRowCount(images.images.length, limits);
    } else decoded.set(t.name as string, decodeInput(model, t, binary, offset));
  }
  if (offset.at !== binary.length) {
    throw new ScoringError(
      'INVALID_INPUT',
      `the binary section holds ${binary.length} bytes; the inputs declare ${offset.at}`,
    );
  }
  const tensors = model.inputs.map((s) => decoded.get(s.name)!);
  if (images) return { meta, inputs: tensors, images };
  return { meta, inputs: tensors, rows: batchRows(model.batched, tensors, limits) };
}

/**
 * A decoded v2 request's inputs and rows, its encoded images (a BYTES image input) decoded and
 * preprocessed first.
 */
export async function v2Inputs(
  model: ReadyModel,
  v2: V2Decoded,
  limits: InputLimits,
): Promise<{ inputs: Tensor[]; rows: number; images?: ImageGeometry[] }> {
  if (!v2.images) return { inputs: v2.inputs!, rows: v2.rows! };
  const inputs = [...v2.inputs!];
  const { tensor, geometry } = await decodeV2Images(model, v2.images.images, limits);
  inputs[v2.images.at] = tensor;
  return { inputs, rows: batchRows(model.batched, inputs, limits), images: geometry };
}

/** Rows of a batch: dim 0, the same for every input. */
export function batchRows(batched: boolean, inputs: Tensor[], limits: InputLimits): number {
  if (!batched) return 1;
  const rows = inputs[0].shape[0];
  const other = inputs.find((t) => t.shape[0] !== rows);
  if (other) {
    throw new ScoringError(
      'INVALID_SHAPE',
      `inputs must have the same number of rows: "${inputs[0].name}" has ${rows}, "${other.name}" has ${other.shape[0]}`,
    );
  }
  checkRowCount(rows, limits);
  return rows;
}

/** `POST .../infer` bodies: JSON, or JSON then binary tensors (Inference-Header-Content-Length). */
export function decodeV2Body(
  body: Buffer,
  headerLength: number | undefined,
  model: ReadyModel,
  limits: InputLimits,
): V2Decoded {
  const { json, binary } = splitBinaryBody(body, headerLength);
  return decodeV2Object(parseJson(json), binary, model, limits);
}
