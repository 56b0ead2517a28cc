import { ScoringError } from '../errors.js';
import { imageRowShape } from '../model/image-preprocessing.js';
import type { BodyCodec } from './decoded.js';
import type { ImageFormat } from './image-format.js';
import { decodeImage } from './image.js';

/**
 * Image bytes of one format (the body's media type says which, and only that one is decoded) as one row of
 * the model's image input, per its `preprocessing.image`. The shape is [1, ...row] with or without a batch
 * dimension: image-input.ts checked at load that it fits the input.
 */
export const imageCodec =
  (format: ImageFormat): BodyCodec =>
  async (body, { model, limits }) => {
    if (!model.image) {
      throw new ScoringError(
        'UNSUPPORTED_MEDIA_TYPE',
        `model "${model.name}" has no image preprocessing (config.json preprocessing.image); send JSON or raw tensor bytes`,
      );
    }
    const spec = model.inputs[model.image.input];
    if (model.inputs.length > 1) {
      throw new ScoringError(
        'INVALID_INPUT',
        `model "${model.name}" takes ${model.inputs.length} inputs; an image fills only "${spec.name}": send JSON with every input`,
      );
    }
    const { row, geometry } = await decodeImage(body, model.image.pre, limits, format);
    const shape = [1, ...imageRowShape(model.image.pre)];
    return { inputs: [{ name: spec.name, datatype: 'FP32', shape, data: row }], rows: 1, images: [geometry] };
  };
