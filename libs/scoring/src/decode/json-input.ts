import { ScoringError } from '../errors.js';
import { describeDims, fitsDims, type IoSpec } from '../model/io-spec.js';
import { tensorFromJson } from '../tensor/tensor-from-json.js';
import type { Tensor } from '../tensor/tensor.js';
import { MAX_JSON_DEPTH } from './json-depth.js';
import { checkRowCount, type InputLimits } from './limits.js';

/**
 * Sizes along the first element at each depth: the shape nested JSON claims to have. JSON a host parsed
 * (a Service Bus message) never went through the byte scan, so the walk stops at the same depth.
 */
function nestedShape(data: unknown): number[] {
  const shape: number[] = [];
  let v = data;
  while (Array.isArray(v)) {
    if (shape.length === MAX_JSON_DEPTH) {
      throw new ScoringError('INVALID_INPUT', `the JSON nests arrays more than ${MAX_JSON_DEPTH} deep`);
    }
    shape.push(v.length);
    v = v[0];
  }
  return shape;
}

function shapeError(spec: IoSpec, batched: boolean, got: number[]): ScoringError {
  const rows = batched ? ' (a list of rows, or one row)' : '';
  return new ScoringError(
    'INVALID_SHAPE',
    `input "${spec.name}" takes ${spec.datatype} values of shape ${describeDims(spec.dims, batched)}${rows}; got nesting [${got}]`,
  );
}

/**
 * One model input from Azure ML style JSON: a list of rows, each nested as the row shape or flat; a
 * single row without the outer list; or, for a model without a batch dimension, the whole tensor.
 * Dynamic dimensions take their size from the data.
 */
export function inputFromJson(
  spec: IoSpec,
  data: unknown,
  batched: boolean,
  limits: Pick<InputLimits, 'maxBatchRows'>,
): Tensor {
  if (!Array.isArray(data) && !(spec.dims.length === 0 && !batched)) {
    throw shapeError(spec, batched, []);
  }
  const got = nestedShape(data);
  const rank = spec.dims.length;
  let shape: number[];
  let values = data;
  if (!batched) {
    shape = spec.size !== undefined && rank > 1 && got.length === 1 && got[0] === spec.size ? spec.dims : got;
  } else if (got.length === rank + 1) {
    // Counted before anything else about the rows is checked: a million rows is "too many", not "wrong".
    checkRowCount(got[0], limits);
    shape = got;
  } else if (got.length === rank && fitsDims(got, spec.dims)) {
    shape = [1, ...got];
    values = [data];
  } else if (spec.size !== undefined && rank > 1 && got.length === 2 && got[1] === spec.size) {
    // Rows sent flat for a multi-dimensional input (an image as 784 values for [1, 28, 28]).
    shape = [got[0], ...spec.dims];
    values = (data as unknown[]).flat();
  } else if (spec.size !== undefined && rank > 1 && got.length === 1 && got[0] === spec.size) {
    shape = [1, ...spec.dims];
  } else {
    throw shapeError(spec, batched, got);
  }
  if (!fitsDims(batched ? shape.slice(1) : shape, spec.dims)) throw shapeError(spec, batched, got);
  return tensorFromJson(spec.name, spec.datatype, shape, values);
}
