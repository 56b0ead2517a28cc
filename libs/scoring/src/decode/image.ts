import sharp from 'sharp';
import { ScoringError } from '../errors.js';
import type { ImagePreprocessing } from '../model/image-preprocessing.js';
import { mayHaveOrientation } from './exif-orientation.js';
import { grayPixels } from './gray-pixels.js';

export interface ImageLimits {
  maxImagePixels: number;
}

const FIT = { stretch: 'fill', fit: 'contain', crop: 'cover' } as const;

/** Decodes one image into one model row, laid out as `pre.layout` says (see image-preprocessing.ts). */
export async function imageTensorRow(
  bytes: Buffer,
  pre: ImagePreprocessing,
  limits: ImageLimits,
): Promise<Float32Array> {
  const { data, channels } = await decodeResized(bytes, pre, limits);
  return pre.color === 'gray' ? grayRow(data, channels, pre) : colorRow(data, channels, pre);
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
): Promise<{ data: Buffer; channels: number }> {
  const bg = pre.background;
  let decoded: { data: Buffer; info: sharp.OutputInfo };
  try {
    // libvips checks limitInputPixels against the header before it decodes, so a small file claiming huge
    // dimensions never allocates them. Orientation is applied before the resize, so width and height are
    // the upright image's.
    let image = sharp(bytes, {
      limitInputPixels: limits.maxImagePixels,
      failOn: 'error',
      autoOrient: mayHaveOrientation(bytes),
    }).resize(pre.width, pre.height, resizeOptions(pre));
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

function resizeOptions(pre: ImagePreprocessing): sharp.ResizeOptions {
  const options: sharp.ResizeOptions = { fit: FIT[pre.resize] };
  // Only letterboxing pads: sharp parses a colour option on every call, 1-2% of a 28x28 decode.
  const bg = pre.background;
  if (pre.resize === 'fit') options.background = { r: bg, g: bg, b: bg, alpha: 1 };
  return options;
}

/** The pixel limit error, with the image's dimensions when its header gives them. */
async function tooLarge(bytes: Buffer, limits: ImageLimits): Promise<ScoringError> {
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
