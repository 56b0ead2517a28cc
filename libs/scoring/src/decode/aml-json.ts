import { ScoringError } from '../errors.js';
import type { ReadyModel } from '../model/model-version.js';
import type { Tensor } from '../tensor/tensor.js';
import { inputFromJson } from './json-input.js';
import { checkKnownName, isObject } from './names.js';
import type { InputLimits } from './limits.js';
import { batchRows } from './v2-request.js';

/** Azure ML style JSON: inline rows, or (the Azure doc's other use of Redis) the key holding them. */
export type AmlBody = { kind: 'data'; data: unknown } | { kind: 'data_key'; key: string };

/** `{"data": ...}` or `{"data_key": "redis key"}`. */
export function parseAmlBody(body: unknown): AmlBody {
  if (!isObject(body)) {
    throw new ScoringError(
      'INVALID_INPUT',
      'the body must be a JSON object: {"data": [[...], ...]} or {"data_key": "..."}',
    );
  }
  if (typeof body.data_key === 'string' && body.data === undefined) {
    if (body.data_key.length === 0 || body.data_key.length > 1024) {
      throw new ScoringError('INVALID_INPUT', '"data_key" must be a Redis key of 1 to 1024 characters');
    }
    return { kind: 'data_key', key: body.data_key };
  }
  if (body.data === undefined) {
    throw new ScoringError(
      'INVALID_INPUT',
      'the body needs "data" (a list of rows) or "data_key" (a Redis key)',
    );
  }
  return { kind: 'data', data: body.data };
}

function namedInputs(model: ReadyModel, data: Record<string, unknown>, limits: InputLimits): Tensor[] {
  for (const name of Object.keys(data)) checkKnownName('input', name, model.inputs);
  return model.inputs.map((s) => {
    if (data[s.name] === undefined) throw new ScoringError('INVALID_INPUT', `"data" lacks input "${s.name}"`);
    return inputFromJson(s, data[s.name], model.batched, limits);
  });
}

/**
 * The `data` of an Azure ML style body as the model's inputs. One input: a list of rows (or one row).
 * Several: an object of inputs by name, each a list of rows, or a list of records, one object per row.
 */
export function amlInputs(
  model: ReadyModel,
  data: unknown,
  limits: InputLimits,
): { inputs: Tensor[]; rows: number } {
  let inputs: Tensor[];
  if (isObject(data)) {
    inputs = namedInputs(model, data, limits);
  } else if (Array.isArray(data) && data.length > 0 && data.every(isObject) && model.batched) {
    const columns = Object.fromEntries(model.inputs.map((s) => [s.name, data.map((rec) => rec[s.name])]));
    for (const [name, column] of Object.entries(columns)) {
      const row = column.findIndex((v) => v === undefined);
      if (row >= 0) throw new ScoringError('INVALID_INPUT', `row ${row} of "data" lacks input "${name}"`);
    }
    inputs = namedInputs(model, columns, limits);
  } else if (model.inputs.length === 1) {
    if (Array.isArray(data) && data.length === 0) {
      throw new ScoringError('INVALID_SHAPE', 'the request holds no rows; send at least one');
    }
    inputs = [inputFromJson(model.inputs[0], data, model.batched, limits)];
  } else {
    const byName = model.inputs.map((s) => `"${s.name}": rows`).join(', ');
    const record = model.inputs.map((s) => `"${s.name}": row`).join(', ');
    throw new ScoringError(
      'INVALID_INPUT',
      `the model takes ${model.inputs.length} inputs: send "data" as {${byName}} or as a list of {${record}}`,
    );
  }
  return { inputs, rows: batchRows(model.batched, inputs, limits) };
}
