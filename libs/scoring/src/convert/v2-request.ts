import { ScoringError } from '../errors.js';
import { parseJson } from './aml-json.js';
import { checkRowCount, type InputLimits, type RowBatch } from './row-batch.js';

/** Open Inference Protocol v2 datatypes (the spec's list); a name outside it is refused as unknown. */
export const V2_DATATYPES = [
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'FP32',
  'FP64',
  'BYTES',
] as const;

export interface V2RequestOutput {
  name: string;
  parameters?: { binary_data?: boolean };
}

export interface V2Request {
  id?: string;
  parameters?: Record<string, unknown>;
  inputs: {
    name: string;
    shape: number[];
    datatype: string;
    data?: unknown;
    parameters?: { binary_data_size?: number };
  }[];
  outputs?: V2RequestOutput[];
}

export interface V2Input {
  id?: string;
  batch: RowBatch;
  /** Outputs asked for (empty: all), and whether each is wanted as binary. */
  outputs: V2RequestOutput[];
  binaryOutputByDefault: boolean;
  dataKey?: string;
}

interface ModelInput {
  name: string;
  features: number;
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

function flatten(data: unknown, shape: number[], out: Float32Array): void {
  // Nested data must follow the shape exactly; flat data is also allowed (the spec permits both).
  let n = 0;
  const walk = (v: unknown, depth: number): void => {
    if (Array.isArray(v)) {
      if (depth >= shape.length || (v.length !== shape[depth] && !(depth === 0 && v.length === out.length))) {
        throw new ScoringError('INVALID_SHAPE', `"data" nesting does not match shape [${shape}]`);
      }
      for (const x of v) walk(x, depth + 1);
      return;
    }
    if (typeof v !== 'number') {
      throw new ScoringError(
        'INVALID_DATATYPE',
        `"data" element ${n} is ${v === null ? 'null' : typeof v}; FP32 needs numbers`,
      );
    }
    if (n >= out.length)
      throw new ScoringError(
        'INVALID_SHAPE',
        `"data" holds more than the ${out.length} values of shape [${shape}]`,
      );
    out[n++] = v;
  };
  walk(data, 0);
  if (n !== out.length) {
    throw new ScoringError('INVALID_SHAPE', `"data" holds ${n} values; shape [${shape}] needs ${out.length}`);
  }
}

function readBinary(binary: Buffer, offset: number, size: number, expected: number): Float32Array {
  if (size !== expected * 4) {
    throw new ScoringError(
      'INVALID_SHAPE',
      `binary_data_size ${size} must be ${expected * 4} (${expected} FP32 values)`,
    );
  }
  if (offset + size > binary.length) {
    throw new ScoringError(
      'INVALID_INPUT',
      `the binary section holds ${binary.length - offset} bytes; the input declares ${size}`,
    );
  }
  const out = new Float32Array(expected);
  // Copy through a DataView: the slice is rarely 4-byte aligned and must be read as little-endian.
  const view = new DataView(binary.buffer, binary.byteOffset + offset, size);
  for (let i = 0; i < expected; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/** Validates a v2 inference request against the model's single FP32 input `[N, features]`. */
export function parseV2Request(
  body: Buffer,
  headerLength: number | undefined,
  input: ModelInput,
  limits: InputLimits,
): V2Input {
  const { json, binary } = splitBinaryBody(body, headerLength);
  return v2RequestFromObject(parseJson(json.toString('utf8')), binary, input, limits);
}

/** The same validation for a request already parsed (Service Bus delivers JSON bodies as objects). */
export function v2RequestFromObject(
  parsed: unknown,
  binary: Buffer,
  input: ModelInput,
  limits: InputLimits,
): V2Input {
  const req = parsed as Partial<V2Request> | null;
  if (!req || typeof req !== 'object' || !Array.isArray(req.inputs)) {
    throw new ScoringError(
      'INVALID_INPUT',
      'a v2 inference request needs "inputs": [{"name", "shape", "datatype", "data"}]',
    );
  }
  const dataKey = typeof req.parameters?.data_key === 'string' ? req.parameters.data_key : undefined;
  if (req.inputs.length !== 1 && !(dataKey && req.inputs.length === 0)) {
    throw new ScoringError(
      'INVALID_INPUT',
      `the model takes exactly one input "${input.name}"; got ${req.inputs.length}`,
    );
  }
  if (req.id !== undefined && typeof req.id !== 'string')
    throw new ScoringError('INVALID_INPUT', '"id" must be a string');
  const outputs = Array.isArray(req.outputs) ? req.outputs : [];
  const binaryOutputByDefault = req.parameters?.binary_data_output === true;
  if (dataKey) {
    return {
      id: req.id,
      batch: { data: new Float32Array(0), rows: 0, features: input.features },
      outputs,
      binaryOutputByDefault,
      dataKey,
    };
  }
  const t = req.inputs[0];
  if (!t || typeof t !== 'object') throw new ScoringError('INVALID_INPUT', 'inputs[0] must be an object');
  if (t.name !== input.name) {
    throw new ScoringError(
      'INVALID_INPUT',
      `unknown input "${t.name}"; the model's input is "${input.name}"`,
    );
  }
  if (!(V2_DATATYPES as readonly string[]).includes(t.datatype)) {
    throw new ScoringError(
      'INVALID_DATATYPE',
      `unknown datatype "${t.datatype}"; valid: ${V2_DATATYPES.join(', ')}`,
    );
  }
  if (t.datatype !== 'FP32') {
    throw new ScoringError('INVALID_DATATYPE', `input "${t.name}" is FP32; got ${t.datatype}`);
  }
  const shape = t.shape;
  if (
    !Array.isArray(shape) ||
    shape.length !== 2 ||
    shape[1] !== input.features ||
    !Number.isInteger(shape[0]) ||
    shape[0] < 0
  ) {
    throw new ScoringError(
      'INVALID_SHAPE',
      `input "${t.name}" shape must be [N, ${input.features}]; got ${JSON.stringify(shape)}`,
    );
  }
  const rows = shape[0];
  checkRowCount(rows, limits);
  const count = rows * input.features;
  let data: Float32Array;
  const size = t.parameters?.binary_data_size;
  if (size !== undefined) {
    if (t.data !== undefined)
      throw new ScoringError('INVALID_INPUT', `input "${t.name}" has both "data" and binary_data_size`);
    data = readBinary(binary, 0, size, count);
  } else {
    if (t.data === undefined) throw new ScoringError('INVALID_INPUT', `input "${t.name}" has no "data"`);
    data = new Float32Array(count);
    flatten(t.data, shape, data);
  }
  return { id: req.id, batch: { data, rows, features: input.features }, outputs, binaryOutputByDefault };
}
