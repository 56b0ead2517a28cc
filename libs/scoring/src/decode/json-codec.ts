import { ScoringError } from '../errors.js';
import type { ModelVersion } from '../model/model-version.js';
import { amlInputs, parseAmlBody } from './aml-json.js';
import { fastAmlRows } from './aml-fast.js';
import type { Codec, DecodeContext, Decoded } from './decoded.js';
import { parseJson } from './parse-json.js';
import { decodeV2Object, v2Inputs } from './v2-request.js';

/** A model the `/score` fast path can read straight from the bytes: one fixed-size FP32 input of rows. */
export function fastPathFeatures(model: ModelVersion): number | undefined {
  const only = model.inputs.length === 1 ? model.inputs[0] : undefined;
  return model.batched && only?.datatype === 'FP32' && only.size !== undefined ? only.size : undefined;
}

/** Referenced inputs: the JSON value under the key, rows or `{"data": rows}`. */
async function referenced(key: string, ctx: DecodeContext): Promise<Decoded> {
  const raw = await ctx.store.get(key);
  if (raw === undefined) {
    throw new ScoringError('DATA_KEY_NOT_FOUND', `no value is stored under the Redis key "${key}"`);
  }
  const parsed = parseJson(raw);
  const data =
    parsed && typeof parsed === 'object' && !Array.isArray(parsed) && 'data' in parsed
      ? (parsed as { data: unknown }).data
      : parsed;
  return { ...amlInputs(ctx.model, data, ctx.limits), byReference: true };
}

/**
 * An already parsed JSON body (Service Bus delivers JSON parsed): a v2 request (`inputs`), Azure ML rows
 * (`data`), or a Redis key holding them (`data_key`, or v2 `parameters.data_key`).
 */
export async function decodeObject(body: unknown, ctx: DecodeContext): Promise<Decoded> {
  if (body && typeof body === 'object' && !Array.isArray(body) && 'inputs' in body) {
    const v2 = decodeV2Object(body, Buffer.alloc(0), ctx.model, ctx.limits);
    if (v2.dataKey) return { ...(await referenced(v2.dataKey, ctx)), v2: v2.meta };
    return { ...(await v2Inputs(ctx.model, v2, ctx.limits)), v2: v2.meta };
  }
  const aml = parseAmlBody(body);
  if (aml.kind === 'data_key') return referenced(aml.key, ctx);
  return amlInputs(ctx.model, aml.data, ctx.limits);
}

/** JSON bodies; the common `{"data": [[...]]}` of a one-input FP32 model is read without JSON.parse. */
async function decodeJson(body: Buffer, ctx: DecodeContext): Promise<Decoded> {
  const features = fastPathFeatures(ctx.model);
  if (features !== undefined) {
    const rows = fastAmlRows(body, features, ctx.limits);
    if (rows) {
      const spec = ctx.model.inputs[0];
      return {
        inputs: [{ name: spec.name, datatype: 'FP32', shape: [rows.rows, ...spec.dims], data: rows.data }],
        rows: rows.rows,
      };
    }
  }
  return decodeObject(parseJson(body), ctx);
}

/** JSON: bytes, the value they parse to, and a value a host already parsed are read alike. */
export const jsonCodec: Codec = {
  decode: decodeJson,
  parse: (body) => parseJson(body),
  decodeValue: decodeObject,
};
