import sharp from 'sharp';
import { ScoringError } from '../errors.js';
import type { ImagePreprocessing } from '../model/model-config.js';
import { grayPixels } from './gray-pixels.js';
import { checkRowCount, type InputLimits, type RowBatch } from './row-batch.js';

const PNG = [0x89, 0x50, 0x4e, 0x47];
const JPEG = [0xff, 0xd8, 0xff];

function startsWith(bytes: Uint8Array, magic: number[]): boolean {
  return magic.every((b, i) => bytes[i] === b);
}

/** The media type a body really is: an octet-stream (or a blob, which has none) that holds a PNG or JPEG is an image. */
export function sniffMediaType(bytes: Uint8Array, declared: string | undefined): string {
  const type = (declared ?? '').split(';')[0].trim().toLowerCase();
  if (type === '' || type === 'application/octet-stream') {
    if (startsWith(bytes, PNG)) return 'image/png';
    if (startsWith(bytes, JPEG)) return 'image/jpeg';
    return 'application/octet-stream';
  }
  return type;
}

export const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif', 'image/tiff'];

/** Decodes one image into one model row per the model's preprocessing (grayscale, resize, scale, invert). */
export async function imageToRow(
  bytes: Buffer,
  pre: ImagePreprocessing,
  limits: InputLimits,
): Promise<RowBatch> {
  let decoded: { data: Buffer; info: sharp.OutputInfo };
  try {
    // One sharp call per image, decode and resize only (flatten and grayscale: see gray-pixels.ts). libvips
    // checks limitInputPixels against the header before it decodes, so a small file claiming huge
    // dimensions never allocates them.
    decoded = await sharp(bytes, { limitInputPixels: limits.maxImagePixels, failOn: 'error' })
      .resize(pre.width, pre.height, { fit: 'fill' })
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (e) {
    if (/exceeds pixel limit/i.test((e as Error).message)) throw await tooLarge(bytes, limits);
    throw new ScoringError('UNDECODABLE_IMAGE', `the image cannot be decoded: ${(e as Error).message}`);
  }
  const { data: raw, info } = decoded;
  if (info.channels < 1 || info.channels > 4) {
    throw new ScoringError(
      'UNDECODABLE_IMAGE',
      `the image decodes to ${info.channels} channels; expected gray, RGB, with or without alpha`,
    );
  }
  const gray = grayPixels(raw, info.channels, pre.invert ? 255 : 0);
  const features = pre.width * pre.height;
  const data = new Float32Array(features);
  for (let i = 0; i < features; i++) data[i] = (pre.invert ? 255 - gray[i] : gray[i]) * pre.scale;
  return { data, rows: 1, features };
}

/** The pixel limit error, with the image's dimensions when its header gives them. */
async function tooLarge(bytes: Buffer, limits: InputLimits): Promise<ScoringError> {
  const meta = await sharp(bytes, { limitInputPixels: false })
    .metadata()
    .catch(() => undefined);
  const size =
    meta?.width && meta.height
      ? `${meta.width}x${meta.height} (${meta.width * meta.height} pixels)`
      : 'larger than that';
  return new ScoringError(
    'IMAGE_TOO_LARGE',
    `the image is ${size}; the limit is ${limits.maxImagePixels} pixels (MAX_IMAGE_PIXELS)`,
  );
}

/** Little-endian float32 rows, `features` values each, back to back. */
export function float32Rows(bytes: Buffer, features: number, limits: InputLimits): RowBatch {
  const rowBytes = features * 4;
  if (bytes.length === 0 || bytes.length % rowBytes !== 0) {
    throw new ScoringError(
      'INVALID_SHAPE',
      `application/octet-stream bodies are little-endian float32 rows of ${features} values (${rowBytes} bytes each); got ${bytes.length} bytes`,
    );
  }
  const rows = bytes.length / rowBytes;
  checkRowCount(rows, limits);
  const data = new Float32Array(rows * features);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(i * 4, true);
  return { data, rows, features };
}

/** Any raw (non-JSON) body: an image for models with image preprocessing, or float32 rows. */
export async function rawBytesToRows(
  bytes: Buffer,
  contentType: string | undefined,
  features: number,
  image: ImagePreprocessing | undefined,
  limits: InputLimits,
): Promise<RowBatch> {
  const type = sniffMediaType(bytes, contentType);
  if (IMAGE_TYPES.includes(type)) {
    if (!image) {
      throw new ScoringError(
        'UNSUPPORTED_MEDIA_TYPE',
        `this model has no image preprocessing; send JSON rows or float32 bytes, not ${type}`,
      );
    }
    return imageToRow(bytes, image, limits);
  }
  if (type === 'application/octet-stream') return float32Rows(bytes, features, limits);
  throw new ScoringError(
    'UNSUPPORTED_MEDIA_TYPE',
    `content type "${type}" is not accepted; use application/json, image/png, image/jpeg or application/octet-stream`,
  );
}
