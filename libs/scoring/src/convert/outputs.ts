import { ScoringError } from '../errors.js';
import type { V2RequestOutput } from './v2-request.js';

export interface OutputRows {
  /** rows × classes, row-major */
  probabilities: Float32Array;
  rows: number;
  classes: number;
}

export type Label = string | number;

export function argmax(row: Float32Array): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

export function labelsOf(out: OutputRows, labels: Label[] | undefined): Label[] {
  const result: Label[] = new Array(out.rows);
  for (let r = 0; r < out.rows; r++) {
    const i = argmax(out.probabilities.subarray(r * out.classes, (r + 1) * out.classes));
    result[r] = labels ? labels[i] : i;
  }
  return result;
}

export interface LabelWithProbabilities {
  label: Label;
  probabilities: number[];
}

/** Each row's probabilities as JSON numbers, rounded to what float32 holds. */
export function probabilityRows(out: OutputRows): number[][] {
  const rows: number[][] = new Array(out.rows);
  for (let r = 0; r < out.rows; r++) {
    rows[r] = Array.from(out.probabilities.subarray(r * out.classes, (r + 1) * out.classes), round);
  }
  return rows;
}

/** The Azure ML `/score` answer: a list of labels, or of `{label, probabilities}` when asked for. */
export function amlResponse(out: OutputRows, labels: Label[] | undefined, withProbabilities: boolean) {
  const predicted = labelsOf(out, labels);
  if (!withProbabilities) return predicted;
  const probabilities = probabilityRows(out);
  return predicted.map((label, r): LabelWithProbabilities => ({ label, probabilities: probabilities[r] }));
}

/** float32 printed as float64 shows noise digits (0.10000000149); 7 significant digits is what float32 holds. */
function round(x: number): number {
  return Number(x.toPrecision(7));
}

export interface V2OutputTensor {
  name: string;
  datatype: 'FP32';
  shape: number[];
  data?: number[];
  parameters?: { binary_data_size: number };
}

export interface V2Response {
  model_name: string;
  model_version: string;
  id?: string;
  parameters?: Record<string, unknown>;
  outputs: V2OutputTensor[];
}

export interface EncodedV2Response {
  body: Buffer;
  contentType: string;
  /** Set when binary outputs follow the JSON: the value of Inference-Header-Content-Length. */
  headerLength?: number;
}

/** Builds and encodes the v2 response, JSON or JSON + binary tensors (binary tensor data extension). */
export function encodeV2Response(
  meta: { model: string; version: string; id?: string; outputName: string; cache?: string },
  out: OutputRows,
  requested: V2RequestOutput[],
  binaryByDefault: boolean,
): EncodedV2Response {
  for (const r of requested) {
    if (r.name !== meta.outputName) {
      throw new ScoringError(
        'INVALID_INPUT',
        `unknown output "${r.name}"; the model's output is "${meta.outputName}"`,
      );
    }
  }
  const wantBinary = requested[0]?.parameters?.binary_data ?? binaryByDefault;
  const tensor: V2OutputTensor = { name: meta.outputName, datatype: 'FP32', shape: [out.rows, out.classes] };
  const response: V2Response = {
    model_name: meta.model,
    model_version: meta.version,
    ...(meta.id !== undefined ? { id: meta.id } : {}),
    outputs: [tensor],
  };
  if (!wantBinary) {
    tensor.data = Array.from(out.probabilities, round);
    return { body: Buffer.from(JSON.stringify(response)), contentType: 'application/json' };
  }
  const binary = Buffer.allocUnsafe(out.probabilities.length * 4);
  for (let i = 0; i < out.probabilities.length; i++) binary.writeFloatLE(out.probabilities[i], i * 4);
  tensor.parameters = { binary_data_size: binary.length };
  const header = Buffer.from(JSON.stringify(response));
  return {
    body: Buffer.concat([header, binary]),
    contentType: 'application/octet-stream',
    headerLength: header.length,
  };
}

/** Rows [start, start + rows) of a scored batch, as their own OutputRows (no copy). */
export function sliceRows<T extends OutputRows>(out: T, start: number, rows: number): T {
  return {
    ...out,
    probabilities: out.probabilities.subarray(start * out.classes, (start + rows) * out.classes),
    rows,
  };
}
