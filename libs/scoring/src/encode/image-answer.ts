import type sharp from 'sharp';
import { decodeBudget } from '../decode/decode-budget.js';
import { mayHaveOrientation } from '../decode/exif-orientation.js';
import { imageRectInInput, type ImageGeometry } from '../decode/image-geometry.js';
import { DEFAULT_IMAGE_DECODE_MEMORY_BYTES, DEFAULT_IMAGE_DECODE_QUEUE } from '../decode/image.js';
import { loadSharp } from '../decode/sharp-lib.js';
import { ScoringError } from '../errors.js';
import { channelProblem, imageDims, type ImagePostprocessing } from '../model/image-postprocessing.js';
import type { ModelVersion } from '../model/model-version.js';
import { elementCount, type Tensor } from '../tensor/tensor.js';
import { imageLevels, thresholdLevels, type RawImage } from './image-levels.js';

export type ImageAnswerFormat = ImagePostprocessing['format'];

export const IMAGE_ANSWER_MEDIA_TYPES: Record<ImageAnswerFormat, string> = {
  png: 'image/png',
  webp: 'image/webp',
};

/** An output answered as an encoded image. */
export interface EncodedImage {
  body: Buffer;
  contentType: string;
  format: ImageAnswerFormat;
  width: number;
  height: number;
  /** The output it shows. */
  output: string;
  mode: ImagePostprocessing['mode'];
}

export interface ImageAnswerInput {
  model: Pick<ModelVersion, 'name' | 'batched' | 'image' | 'imageOutput'>;
  /** The answer's outputs (the image output among them) and rows. */
  outputs: readonly Tensor[];
  rows: number;
  format?: ImageAnswerFormat;
  /** Where the sent image went in the model input (from the decode); none for rows sent as tensors. */
  geometry?: ImageGeometry;
  /** The sent image's bytes (mode "alpha"), never cached. */
  sent?: Buffer;
  limits: {
    maxResponseBytes: number;
    maxImagePixels: number;
    imageDecodeMemoryBytes?: number;
    imageDecodeQueue?: number;
  };
}

const notAcceptable = (why: string) => new ScoringError('NOT_ACCEPTABLE', why);

/**
 * The model's `postprocessing.image` output of a one-row answer as a PNG or WebP: 8-bit levels of the
 * output (image-levels.ts), at the sent image's size with the preprocessing's resize undone (`resize:
 * "input"`; the letterbox cut away for `fit`, the crop's margins empty for `crop`) or at its own size,
 * thresholded after that resize, and in mode "alpha" joined to the sent image as its alpha channel.
 * Memory for the pixels comes from the image decode budget; an encoded image over MAX_RESPONSE_BYTES is
 * refused.
 */
export async function encodeImageAnswer(input: ImageAnswerInput): Promise<EncodedImage> {
  const { model, limits } = input;
  const io = model.imageOutput;
  if (!io)
    throw notAcceptable(
      `model "${model.name}" has no image output (config.json postprocessing.image); accept application/json`,
    );
  const { post } = io;
  if (input.rows !== 1)
    throw notAcceptable(
      `an image answer holds one image; this request has ${input.rows} rows: send one, or accept application/json`,
    );
  const t = input.outputs.find((o) => o.name === post.output);
  if (!t) throw new Error(`output "${post.output}" was not fetched for an image answer`);
  const dims = imageDims(t.shape, model.batched, post.layout);
  const problem = !dims
    ? `output "${t.name}" has shape [${t.shape}], not an image`
    : channelProblem(dims, post);
  if (problem || elementCount(t.shape) < dims!.width * dims!.height * dims!.channels)
    throw new ScoringError(
      'INFERENCE_FAILED',
      `model "${model.name}": postprocessing.image cannot show output "${t.name}" of shape [${t.shape}]: ${problem ?? 'too few values'}`,
    );
  if (post.mode === 'alpha' && (!input.sent || !input.geometry))
    throw notAcceptable(
      `model "${model.name}" answers the sent image with the mask as its alpha (postprocessing.image mode "alpha"): send an image, or accept application/json`,
    );
  const format = input.format ?? post.format;
  const g = input.geometry;
  const toInput = post.resize === 'input' && g !== undefined;
  const width = toInput ? g.width : post.mode === 'alpha' && g ? g.inputWidth : dims!.width;
  const height = toInput ? g.height : post.mode === 'alpha' && g ? g.inputHeight : dims!.height;

  const memory = limits.imageDecodeMemoryBytes ?? DEFAULT_IMAGE_DECODE_MEMORY_BYTES;
  // The output's levels, the mask or image at the answer's size, the sent image decoded again (alpha) and
  // what is joined and encoded from them: an upper bound of what libvips and this code hold at once.
  const needs = dims!.width * dims!.height * 3 + width * height * (post.mode === 'alpha' ? 9 : 6);
  if (needs > memory)
    throw new ScoringError(
      'RESPONSE_TOO_LARGE',
      `an image answer of ${width}x${height} pixels would take ${needs} bytes to make, more than image work may use (IMAGE_DECODE_MEMORY_BYTES=${memory}); send a smaller image, or set postprocessing.image.resize "model"`,
    );
  const release = await decodeBudget(memory, limits.imageDecodeQueue ?? DEFAULT_IMAGE_DECODE_QUEUE).reserve(
    needs,
  );
  try {
    const vips = await loadSharp();
    let levels = imageLevels(t, dims!, post);
    if (
      g &&
      (toInput || post.mode === 'alpha') &&
      (levels.width !== g.inputWidth || levels.height !== g.inputHeight)
    )
      // An output smaller (or larger) than the model input: the geometry is in model-input pixels.
      levels = await resized(vips, levels, g.inputWidth, g.inputHeight);
    if (toInput) levels = await backToSent(vips, levels, g);
    thresholdLevels(levels.data, post);
    const image =
      post.mode === 'alpha'
        ? await sentWithAlpha(
            vips,
            input.sent!,
            levels,
            g!,
            post.resize,
            limits.maxImagePixels,
            input.model.image?.pre,
          )
        : // sharp writes sRGB unless told: a mask is a gray PNG (a third of the bytes to compress).
          vips(levels.data, { raw: levels }).toColourspace(levels.channels === 1 ? 'b-w' : 'srgb');
    const body = await (
      format === 'webp'
        ? image.webp(post.quality ? { quality: post.quality } : { lossless: true })
        : image.png()
    ).toBuffer();
    if (body.length > limits.maxResponseBytes)
      throw new ScoringError(
        'RESPONSE_TOO_LARGE',
        `the image answer of model "${model.name}" (${width}x${height} ${format}) is ${body.length} bytes, over MAX_RESPONSE_BYTES ${limits.maxResponseBytes}: send a smaller image, set postprocessing.image.resize "model", or accept application/json with fewer outputs`,
      );
    return {
      body,
      contentType: IMAGE_ANSWER_MEDIA_TYPES[format],
      format,
      width,
      height,
      output: t.name,
      mode: post.mode,
    };
  } finally {
    release();
  }
}

const LINEAR: sharp.ResizeOptions = { fit: 'fill', kernel: 'linear' };

/** Raw pixels with the image's own channels: sharp would hand a gray image over as sRGB. */
function rawOf(image: sharp.Sharp, channels: RawImage['channels']): Promise<Buffer> {
  return (channels === 1 ? image.toColourspace('b-w') : image).raw().toBuffer();
}

async function resized(vips: typeof sharp, img: RawImage, width: number, height: number): Promise<RawImage> {
  const data = await rawOf(vips(img.data, { raw: img }).resize(width, height, LINEAR), img.channels);
  return { data, width, height, channels: img.channels };
}

/**
 * Model-input pixels back to the sent image's: `stretch` resized back; `fit` the letterboxed image cut
 * out, then resized; `crop` the margins the crop cut off put back (empty: level 0), then resized. Bilinear,
 * as the reference code of segmentation models upsamples its masks.
 */
async function backToSent(vips: typeof sharp, img: RawImage, g: ImageGeometry): Promise<RawImage> {
  let source = vips(img.data, { raw: img });
  if (g.resize === 'fit') {
    source = source.extract(imageRectInInput(g));
  } else if (g.resize === 'crop') {
    // The resized image the crop was taken from, in model-input pixels, with the crop at its offsets.
    const rw = Math.round(g.width * g.scaleX);
    const rh = Math.round(g.height * g.scaleY);
    const left = Math.max(0, -g.offsetX);
    const top = Math.max(0, -g.offsetY);
    const right = Math.max(0, rw - img.width - left);
    const bottom = Math.max(0, rh - img.height - top);
    const black = { r: 0, g: 0, b: 0, alpha: 0 };
    const extended = await rawOf(
      source.extend({ left, top, right, bottom, background: black }),
      img.channels,
    );
    source = vips(extended, {
      raw: { width: img.width + left + right, height: img.height + top + bottom, channels: img.channels },
    });
  }
  const data = await rawOf(source.resize(g.width, g.height, LINEAR), img.channels);
  return { data, width: g.width, height: g.height, channels: img.channels };
}

const FIT = { stretch: 'fill', fit: 'contain', crop: 'cover' } as const;

/**
 * The sent image, upright, without its own alpha, with the mask joined as its alpha channel: at its own
 * size, or (resize "model") resized as the preprocessing resized it, so that it lines up with the mask.
 */
async function sentWithAlpha(
  vips: typeof sharp,
  sent: Buffer,
  mask: RawImage,
  g: ImageGeometry,
  resize: ImagePostprocessing['resize'],
  maxImagePixels: number,
  pre: { background: number } | undefined,
): Promise<sharp.Sharp> {
  let image = vips(sent, {
    limitInputPixels: maxImagePixels,
    failOn: 'error',
    autoOrient: mayHaveOrientation(sent),
  });
  if (resize === 'model') {
    const bg = pre?.background ?? 0;
    image = image.resize(mask.width, mask.height, {
      fit: FIT[g.resize],
      background: { r: bg, g: bg, b: bg, alpha: 1 },
    });
  }
  // Its own alpha dropped in a pipeline of its own: sharp removes alpha after joining channels, which
  // would drop the mask instead.
  const { data, info } = await image.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return vips(data, { raw: { width: info.width, height: info.height, channels: info.channels } }).joinChannel(
    mask.data,
    { raw: { width: mask.width, height: mask.height, channels: 1 } },
  );
}
