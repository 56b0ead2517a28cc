import { ScoringError } from '../errors.js';
import { imageRowShape } from '../model/image-preprocessing.js';
import type { ReadyModel } from '../model/model-version.js';
import type { Tensor } from '../tensor/tensor.js';
import type { ImageGeometry } from './image-geometry.js';
import { decodeImage } from './image.js';
import { takeBinary } from './v2-binary-section.js';
import type { InputLimits } from './limits.js';

/** The encoded images a v2 request sent for the model's image input, one per row, still to be decoded. */
export interface V2Images {
  /** Position of the image input among the model's inputs. */
  at: number;
  images: Buffer[];
}

const BASE64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

interface RawImageInput {
  name?: unknown;
  shape?: unknown;
  datatype?: unknown;
  data?: unknown;
  parameters?: { binary_data_size?: unknown };
}

/**
 * True for an input a client sends as Triton and KServe clients send images: the model's image input
 * (config.json `preprocessing.image`) as a BYTES tensor of encoded images, instead of the FP32 rows.
 */
export function isImageBytesInput(model: ReadyModel, raw: RawImageInput): boolean {
  return (
    model.image !== undefined &&
    raw.datatype === 'BYTES' &&
    model.inputs[model.image.input].name === raw.name &&
    model.inputs[model.image.input].datatype !== 'BYTES'
  );
}

/**
 * The encoded images of a BYTES image input: shape [N] or [N, 1] (one image per row; N = 1 for a model
 * without a batch dimension), each element base64 in JSON `data`, or raw in the binary section (a 4-byte
 * little-endian length, then the bytes). `offset` advances past what it read of the binary section.
 */
export function readV2Images(
  model: ReadyModel,
  raw: RawImageInput,
  binary: Buffer,
  offset: { at: number },
): Buffer[] {
  const name = raw.name as string;
  const shape = raw.shape;
  if (
    !Array.isArray(shape) ||
    shape.length < 1 ||
    shape.length > 2 ||
    (shape.length === 2 && shape[1] !== 1) ||
    !Number.isSafeInteger(shape[0]) ||
    shape[0] < 1 ||
    (!model.batched && shape[0] !== 1)
  ) {
    throw new ScoringError(
      'INVALID_SHAPE',
      `input "${name}" as BYTES holds encoded images, one per row: shape [N] or [N, 1]${model.batched ? '' : ' with N = 1 (the model has no batch dimension)'}; got ${JSON.stringify(shape)}`,
    );
  }
  const count = shape[0] as number;
  const size = raw.parameters?.binary_data_size;
  const images = size === undefined ? fromJson(name, raw.data) : fromBinary(name, size, binary, offset);
  if (images.length !== count) {
    throw new ScoringError(
      'INVALID_SHAPE',
      `input "${name}" shape ${JSON.stringify(shape)} holds ${count} images; the data has ${images.length}`,
    );
  }
  return images;
}

function fromJson(name: string, data: unknown): Buffer[] {
  const list = Array.isArray(data) ? data.flat() : undefined;
  if (!list || list.some((s) => typeof s !== 'string' || !BASE64.test(s))) {
    throw new ScoringError(
      'INVALID_INPUT',
      `input "${name}" as BYTES needs "data": a list of base64-encoded images (PNG, JPEG, ...)`,
    );
  }
  return (list as string[]).map((s) => Buffer.from(s, 'base64'));
}

function fromBinary(name: string, size: unknown, binary: Buffer, offset: { at: number }): Buffer[] {
  const section = takeBinary(name, size, binary, offset);
  const images: Buffer[] = [];
  for (let p = 0; p < section.length;) {
    const len = p + 4 <= section.length ? section.readUInt32LE(p) : -1;
    if (len < 0 || p + 4 + len > section.length) {
      throw new ScoringError(
        'INVALID_INPUT',
        `input "${name}" binary data must be each image's 4-byte little-endian length, then its bytes`,
      );
    }
    // A copy: the tensor decoded from it must not keep the whole request body alive.
    images.push(Buffer.from(section.subarray(p + 4, p + 4 + len)));
    p += 4 + len;
  }
  return images;
}

/**
 * The image input's tensor: each image decoded and preprocessed as an image body to `/score` is (format
 * from its signature, the same limits), rows in order; the same rows, so the same cache entries. With it,
 * each image's geometry, in row order.
 */
export async function decodeV2Images(
  model: ReadyModel,
  images: Buffer[],
  limits: InputLimits,
): Promise<{ tensor: Tensor; geometry: ImageGeometry[] }> {
  const pre = model.image!.pre;
  const rowShape = imageRowShape(pre);
  const decoded = await Promise.all(images.map((bytes) => decodeImage(bytes, pre, limits)));
  const rows = decoded.map((d) => d.row);
  const width = rows[0].length;
  const data = new Float32Array(width * rows.length);
  rows.forEach((r, i) => data.set(r, i * width));
  const tensor: Tensor = {
    name: model.inputs[model.image!.input].name,
    datatype: 'FP32',
    shape: [rows.length, ...rowShape],
    data,
  };
  return { tensor, geometry: decoded.map((d) => d.geometry) };
}
