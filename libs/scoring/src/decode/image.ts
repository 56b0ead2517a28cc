import type sharp from 'sharp';
import { ScoringError } from '../errors.js';
import type { ImagePreprocessing } from '../model/image-preprocessing.js';
import { decodeBudget } from './decode-budget.js';
import { mayHaveOrientation } from './exif-orientation.js';
import { grayPixels } from './gray-pixels.js';
import { imageGeometry, type ImageGeometry } from './image-geometry.js';
import { IMAGE_MEDIA_TYPES, sniffImageFormat, type ImageFormat } from './image-format.js';
import { readImageHeader, type ImageHeader } from './image-header.js';
import { loadSharp } from './sharp-lib.js';

/** Defaults of the settings of the same names (see settings.ts and the README). */
export const DEFAULT_MAX_IMAGE_SIDE = 16_384;
export const DEFAULT_IMAGE_DECODE_MEMORY_BYTES = 256 * 1024 * 1024;
export const DEFAULT_IMAGE_DECODE_QUEUE = 64;

export interface ImageLimits {
  maxImagePixels: number;
  /** Longest side accepted (MAX_IMAGE_SIDE). */
  maxImageSide?: number;
  /** Memory for all image decodes in flight in the process (IMAGE_DECODE_MEMORY_BYTES). */
  imageDecodeMemoryBytes?: number;
  /** Decodes that may wait for that memory before more are refused with OVERLOADED (IMAGE_DECODE_QUEUE). */
  imageDecodeQueue?: number;
}

/** SVG, when a model accepts it, is rendered by librsvg: a bound on the CPU a crafted file can take. */
const SVG_TIMEOUT_SECONDS = 2;

const FIT = { stretch: 'fill', fit: 'contain', crop: 'cover' } as const;

/**
 * Decodes one image into one model row, laid out as `pre.layout` says (see image-preprocessing.ts).
 *
 * Before sharp sees the bytes: their signature must be the `declared` format (a body's media type; without
 * one, any raster format), SVG only for a model whose config opts in; the header must give a size within
 * MAX_IMAGE_PIXELS and MAX_IMAGE_SIDE; and the decode must get its share of IMAGE_DECODE_MEMORY_BYTES,
 * waiting for it in a bounded queue.
 */
export async function imageTensorRow(
  bytes: Buffer,
  pre: ImagePreprocessing,
  limits: ImageLimits,
  declared?: ImageFormat,
): Promise<Float32Array> {
  return (await decodeImage(bytes, pre, limits, declared)).row;
}

/** One decoded image: its model row, and where the sent image went in it (for post-processing). */
export interface DecodedImage {
  row: Float32Array;
  geometry: ImageGeometry;
}

/** imageTensorRow, with the sent image's geometry (its upright size and the resize's transform). */
export async function decodeImage(
  bytes: Buffer,
  pre: ImagePreprocessing,
  limits: ImageLimits,
  declared?: ImageFormat,
): Promise<DecodedImage> {
  const format = acceptedFormat(bytes, pre, declared);
  const header = await readImageHeader(bytes, format);
  if (header.format !== format) {
    throw new ScoringError(
      'UNSUPPORTED_MEDIA_TYPE',
      `the image starts like ${format} but decodes as ${header.format}; send ${mediaTypes()}`,
    );
  }
  const memory = limits.imageDecodeMemoryBytes ?? DEFAULT_IMAGE_DECODE_MEMORY_BYTES;
  const needs = checkSize(header, limits, memory);
  const release = await decodeBudget(memory, limits.imageDecodeQueue ?? DEFAULT_IMAGE_DECODE_QUEUE).reserve(
    needs,
  );
  try {
    const [{ data, channels }, upright] = await Promise.all([
      decodeResized(bytes, pre, limits, format),
      uprightSize(bytes, header),
    ]);
    const row = pre.color === 'gray' ? grayRow(data, channels, pre) : colorRow(data, channels, pre);
    return { row, geometry: imageGeometry(upright.width, upright.height, pre) };
  } finally {
    release();
  }
}

function mediaTypes(): string {
  return Object.entries(IMAGE_MEDIA_TYPES)
    .filter(([, f]) => f !== 'svg')
    .map(([t]) => t)
    .join(', ');
}

function mediaTypeOf(format: ImageFormat): string {
  return Object.entries(IMAGE_MEDIA_TYPES).find(([, f]) => f === format)![0];
}

/** The format the bytes will be decoded as, or why they will not be. */
function acceptedFormat(
  bytes: Buffer,
  pre: ImagePreprocessing,
  declared: ImageFormat | undefined,
): ImageFormat {
  const sniffed = sniffImageFormat(bytes);
  if (sniffed === undefined) {
    throw new ScoringError(
      'UNDECODABLE_IMAGE',
      declared
        ? `the body is declared ${mediaTypeOf(declared)} but is no image of a known format`
        : `the body is no image of a known format; send ${mediaTypes()}`,
    );
  }
  if (sniffed === 'svg' && !pre.allowSvg) {
    throw new ScoringError(
      'UNSUPPORTED_MEDIA_TYPE',
      `the body is an SVG, which this model does not accept (it would be rendered, not decoded; config.json ` +
        `preprocessing.image.allowSvg opts in); send ${mediaTypes()}`,
    );
  }
  if (declared !== undefined && sniffed !== declared) {
    throw new ScoringError(
      'UNSUPPORTED_MEDIA_TYPE',
      `the body is declared ${mediaTypeOf(declared)} but its bytes are ${sniffed.toUpperCase()}; ` +
        `send it as ${mediaTypeOf(sniffed)}`,
    );
  }
  return sniffed;
}

/** Refuses, from its header, an image too large to decode; returns the bytes its decode may take. */
function checkSize(header: ImageHeader, limits: ImageLimits, memory: number): number {
  const { width, height } = header;
  const pixels = width * height;
  const size = `${width}x${height} (${pixels} pixels)`;
  if (pixels > limits.maxImagePixels) {
    throw new ScoringError(
      'IMAGE_TOO_LARGE',
      `the image is ${size}; the limit is ${limits.maxImagePixels} pixels (MAX_IMAGE_PIXELS)`,
    );
  }
  const side = limits.maxImageSide ?? DEFAULT_MAX_IMAGE_SIDE;
  if (Math.max(width, height) > side) {
    throw new ScoringError(
      'IMAGE_TOO_LARGE',
      `the image is ${size}; no side may be longer than ${side} pixels (MAX_IMAGE_SIDE)`,
    );
  }
  // What libvips may hold for it at once: the whole image, as decoded (an upper bound: PNG and JPEG are
  // mostly decoded a strip at a time on the way to the resize).
  const needs = pixels * header.channels * header.bytesPerSample;
  if (needs > memory) {
    throw new ScoringError(
      'IMAGE_TOO_LARGE',
      `the image is ${size}; decoding it takes up to ${needs} bytes, more than all image decodes together ` +
        `may use (IMAGE_DECODE_MEMORY_BYTES=${memory})`,
    );
  }
  return needs;
}

/**
 * One sharp call per image: decode, orient, resize and, for colour models only, flatten. Gray models keep
 * flatten and grayscale in JS (see gray-pixels.ts), which is what they were validated with. For colour,
 * libvips' flatten is the cheaper one: it runs before the resize, which then resamples 3 channels instead
 * of 4 premultiplied ones (RGBA PNGs cost 10-15% less CPU than with the composite in JS; opaque images
 * cost the same either way). It truncates the composite to 8 bits, within one level of exact.
 */
async function decodeResized(
  bytes: Buffer,
  pre: ImagePreprocessing,
  limits: ImageLimits,
  format: ImageFormat,
): Promise<{ data: Buffer; channels: number }> {
  const bg = pre.background;
  let decoded: { data: Buffer; info: sharp.OutputInfo };
  const vips = await loadSharp();
  try {
    // The header was checked already; libvips checks limitInputPixels against it again before it decodes.
    // Orientation is applied before the resize, so width and height are the upright image's.
    let image = vips(bytes, {
      limitInputPixels: limits.maxImagePixels,
      failOn: 'error',
      autoOrient: mayHaveOrientation(bytes),
    }).resize(pre.width, pre.height, resizeOptions(pre));
    if (format === 'svg') image = image.timeout({ seconds: SVG_TIMEOUT_SECONDS });
    if (pre.color !== 'gray') image = image.flatten({ background: { r: bg, g: bg, b: bg } });
    decoded = await image.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  } catch (e) {
    if (/exceeds pixel limit/i.test((e as Error).message)) throw await tooLarge(bytes, limits);
    throw new ScoringError('UNDECODABLE_IMAGE', `the image cannot be decoded: ${(e as Error).message}`);
  }
  const { data, info } = decoded;
  if (info.channels < 1 || info.channels > 4) {
    throw new ScoringError(
      'UNDECODABLE_IMAGE',
      `the image decodes to ${info.channels} channels; expected gray, RGB, with or without alpha`,
    );
  }
  return { data, channels: info.channels };
}

/**
 * The image's size as decoded, after EXIF orientation (5..8 turn it a quarter). A PNG's header was read
 * without sharp: only one with an eXIf chunk (rare) costs a metadata read to learn its orientation.
 */
async function uprightSize(bytes: Buffer, header: ImageHeader): Promise<{ width: number; height: number }> {
  let orientation = header.orientation;
  if (orientation === undefined && mayHaveOrientation(bytes)) {
    const vips = await loadSharp();
    orientation = (
      await vips(bytes, { limitInputPixels: false })
        .metadata()
        .catch(() => undefined)
    )?.orientation;
  }
  const turned = (orientation ?? 1) >= 5;
  return turned ? { width: header.height, height: header.width } : header;
}

function resizeOptions(pre: ImagePreprocessing): sharp.ResizeOptions {
  const options: sharp.ResizeOptions = { fit: FIT[pre.resize] };
  // Only letterboxing pads: sharp parses a colour option on every call, 1-2% of a 28x28 decode.
  const bg = pre.background;
  if (pre.resize === 'fit') options.background = { r: bg, g: bg, b: bg, alpha: 1 };
  return options;
}

/** The pixel limit error, with the image's dimensions when its header gives them. */
async function tooLarge(bytes: Buffer, limits: ImageLimits): Promise<ScoringError> {
  const meta = await (
    await loadSharp()
  )(bytes, { limitInputPixels: false })
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

function grayRow(raw: Buffer, channels: number, pre: ImagePreprocessing): Float32Array {
  const gray = grayPixels(raw, channels, pre.background);
  const { invert, scale } = pre;
  const mean = pre.mean[0];
  const std = pre.std[0];
  // One channel: NCHW, NHWC and flat are the same order. Computed as written (not folded into one
  // multiply-add) so that mean 0, std 1 gives, bit for bit, the rows gray models were served before.
  const out = new Float32Array(gray.length);
  for (let i = 0; i < gray.length; i++) out[i] = ((invert ? 255 - gray[i] : gray[i]) * scale - mean) / std;
  return out;
}

/** value(v) for each 8-bit level v of model channel c: a lookup replaces the arithmetic per sample. */
function channelTable(pre: ImagePreprocessing, c: number): Float32Array {
  const mean = pre.mean.length === 1 ? pre.mean[0] : pre.mean[c];
  const std = pre.std.length === 1 ? pre.std[0] : pre.std[c];
  const table = new Float32Array(256);
  for (let v = 0; v < 256; v++) table[v] = ((pre.invert ? 255 - v : v) * pre.scale - mean) / std;
  return table;
}

function colorRow(raw: Buffer, channels: number, pre: ImagePreprocessing): Float32Array {
  const pixels = pre.width * pre.height;
  const out = new Float32Array(pixels * 3);
  // Flattened already, so no alpha; libvips hands gray images over as RGB, but one channel is read right too.
  const gray = channels < 3;
  const planar = pre.layout === 'NCHW';
  const step = planar ? 1 : 3;
  for (let c = 0; c < 3; c++) {
    const table = channelTable(pre, c);
    let o = planar ? c * pixels : c;
    for (let j = gray ? 0 : pre.color === 'bgr' ? 2 - c : c; j < raw.length; j += channels, o += step) {
      out[o] = table[raw[j]];
    }
  }
  return out;
}
