import { ScoringError } from '../errors.js';
import { tensorFromBinary } from '../tensor/tensor-binary.js';
import { bytesPerElement } from '../tensor/datatype.js';
import type { BodyCodec } from './decoded.js';
import { checkRowCount } from './limits.js';

/**
 * `application/octet-stream`: rows of the model's one input as little-endian values of its datatype, back
 * to back (float32 rows for mnist). Only a fixed row size says where one row ends.
 */
export const rawTensorCodec: BodyCodec = (body, { model, limits }) => {
  const spec = model.inputs[0];
  const width = bytesPerElement(spec.datatype);
  if (model.inputs.length !== 1 || spec.size === undefined || width === undefined) {
    throw new ScoringError(
      'UNSUPPORTED_MEDIA_TYPE',
      `model "${model.name}" takes ${model.inputs.length > 1 ? 'several inputs' : 'rows of varying size'}; raw tensor bytes need one input of fixed size: send JSON`,
    );
  }
  const rowBytes = spec.size * width;
  const rows = model.batched ? body.length / rowBytes : 1;
  if (body.length === 0 || body.length % rowBytes !== 0 || (!model.batched && body.length !== rowBytes)) {
    throw new ScoringError(
      'INVALID_SHAPE',
      `application/octet-stream bodies are little-endian ${spec.datatype} rows of ${spec.size} values (${rowBytes} bytes each); got ${body.length} bytes`,
    );
  }
  checkRowCount(rows, limits);
  const shape = model.batched ? [rows, ...spec.dims] : spec.dims;
  return { inputs: [tensorFromBinary(spec.name, spec.datatype, shape, body)], rows };
};
