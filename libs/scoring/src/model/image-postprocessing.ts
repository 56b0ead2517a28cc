import { ScoringError } from '../errors.js';
import type { ImagePreprocessing } from './image-preprocessing.js';
import type { IoSpec } from './io-spec.js';

/**
 * How an image-shaped output becomes an image (`postprocessing.image` in config.json): each value of the
 * output's row is normalized (`normalize`), then `value * scale + offset` is its 8-bit level (saturated to
 * 0..255), thresholded to 0 or 255 when `threshold` is set. See encode/image-answer.ts for the rest.
 */
export interface ImagePostprocessing {
  /** The output, by name (resolved to a position by imageOutput). */
  output: string;
  /** mask: one channel as a gray image; alpha: the sent image with that channel as its alpha; rgb: 3 channels. */
  mode: 'mask' | 'alpha' | 'rgb';
  /** Where the channels are in a row: NCHW ([C,H,W]) or NHWC ([H,W,C]); a [H,W] row has one channel. */
  layout: 'NCHW' | 'NHWC';
  /** The channel a mask (or alpha) is read from, when the output has several. */
  channel: number;
  /** rgb mode: the order of the output's 3 channels. */
  color: 'rgb' | 'bgr';
  /** minmax: (v - min) / (max - min) over the image (IS-Net's and U2-Net's reference code); sigmoid: for logits. */
  normalize: 'none' | 'minmax' | 'sigmoid';
  scale: number;
  offset: number;
  /** In normalized units (before scale and offset): values at or above it are 255, the others 0. */
  threshold?: number;
  /** input: at the size of the image that was sent, the resize undone; model: at the output's own size. */
  resize: 'input' | 'model';
  format: 'png' | 'webp';
  /** webp only: lossy at this quality (1..100); without it webp is lossless, as PNG is. */
  quality?: number;
}

/** The output a model answers as an image, by position in its served outputs, and how. */
export interface ImageOutput {
  output: number;
  post: ImagePostprocessing;
}

/** An image's size and channels, as an output's row holds it (-1: known only at run time). */
export interface ImageDims {
  height: number;
  width: number;
  channels: number;
}

const MODES = ['mask', 'alpha', 'rgb'] as const;
const LAYOUTS = ['NCHW', 'NHWC'] as const;
const COLORS = ['rgb', 'bgr'] as const;
const NORMALIZE = ['none', 'minmax', 'sigmoid'] as const;
const RESIZES = ['input', 'model'] as const;
const FORMATS = ['png', 'webp'] as const;
const KEYS = new Set([
  'output',
  'mode',
  'layout',
  'channel',
  'color',
  'normalize',
  'scale',
  'offset',
  'threshold',
  'resize',
  'format',
  'quality',
  'note',
]);

function show(v: unknown): string {
  return typeof v === 'string' ? `"${v}"` : (JSON.stringify(v) ?? String(v));
}

/**
 * Validates `postprocessing.image`, filling in defaults (some from `preprocessing.image`: its NHWC layout
 * and BGR colour are the output's too unless said otherwise). `outputs` are the served outputs: the first
 * is the default `output`, as segmentation models (U2-Net, IS-Net, BiRefNet) put their final mask first.
 * `where` starts every error, e.g. `model "seg": config.json postprocessing.image`.
 */
export function parseImagePostprocessing(
  raw: unknown,
  where: string,
  outputs: readonly IoSpec[],
  pre: ImagePreprocessing | undefined,
): ImagePostprocessing {
  const fail = (why: string): never => {
    throw new ScoringError('INVALID_MODEL', `${where}: ${why}`);
  };
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    fail(`must be an object such as {"output": "mask"}; got ${show(raw)}`);
  const r = raw as Record<string, unknown>;
  const unknown = Object.keys(r).filter((k) => !KEYS.has(k));
  // A misspelt key would silently keep its default: say which keys exist instead.
  if (unknown.length > 0)
    fail(
      `unknown key ${unknown.map(show).join(', ')}; the keys are ${[...KEYS].filter((k) => k !== 'note').join(', ')}`,
    );
  const oneOf = <T extends string>(key: string, allowed: readonly T[], fallback: T): T => {
    const v = r[key];
    if (v === undefined) return fallback;
    if (!allowed.includes(v as T))
      fail(`${key} must be one of ${allowed.map(show).join(', ')}; got ${show(v)}`);
    return v as T;
  };
  const finite = (key: string, fallback: number): number => {
    const v = r[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${key} must be a finite number; got ${show(v)}`);
    return v as number;
  };

  const names = outputs.map((o) => show(o.name)).join(', ');
  const output = r.output ?? outputs[0]?.name;
  if (typeof output !== 'string' || !outputs.some((o) => o.name === output))
    fail(`output must name one of the model's outputs (${names}); got ${show(r.output)}`);

  const mode = oneOf('mode', MODES, 'mask');
  if (mode === 'alpha' && !pre)
    fail(
      'mode "alpha" puts the mask on the sent image, so the model needs preprocessing.image (it takes images)',
    );
  const channel = r.channel ?? 0;
  if (!Number.isInteger(channel) || (channel as number) < 0)
    fail(`channel must be an integer >= 0; got ${show(channel)}`);
  const scale = finite('scale', 255);
  if (scale === 0) fail('scale must not be 0 (every pixel would be the same); 255 maps 0..1 to 0..255');
  const threshold = r.threshold === undefined ? undefined : finite('threshold', 0);
  if (threshold !== undefined && mode === 'rgb')
    fail('threshold applies to a mask ("mask" or "alpha" mode), not to "rgb"');
  const quality = r.quality;
  if (
    quality !== undefined &&
    (!Number.isInteger(quality) || (quality as number) < 1 || (quality as number) > 100)
  )
    fail(`quality must be an integer 1..100 (webp's lossy quality); got ${show(quality)}`);

  const post: ImagePostprocessing = {
    output: output as string,
    mode,
    layout: oneOf('layout', LAYOUTS, pre?.layout === 'NHWC' ? 'NHWC' : 'NCHW'),
    channel: channel as number,
    color: oneOf('color', COLORS, pre?.color === 'bgr' ? 'bgr' : 'rgb'),
    normalize: oneOf('normalize', NORMALIZE, 'none'),
    scale,
    offset: finite('offset', 0),
    resize: oneOf('resize', RESIZES, 'input'),
    format: oneOf('format', FORMATS, 'png'),
  };
  if (threshold !== undefined) post.threshold = threshold;
  if (quality !== undefined) post.quality = quality as number;
  return post;
}

/**
 * Height, width and channels of one image in an output of `shape` (the full shape, batch included when
 * the model has one): a batched model's rows are dim 0; an
 * unbatched one's leading 1 (or dynamic) dim is a batch of one ([1,1,H,W] and [1,H,W] are one mask). A row
 * is [H,W], or [C,H,W] / [H,W,C] by `layout`. Undefined when the shape holds no image that way.
 */
export function imageDims(
  shape: readonly number[],
  batched: boolean,
  layout: ImagePostprocessing['layout'],
): ImageDims | undefined {
  let row = batched ? shape.slice(1) : [...shape];
  if (!batched && row.length >= 3 && (row[0] === 1 || row[0] === -1)) row = row.slice(1);
  while (row.length > 3 && row[0] === 1) row = row.slice(1);
  if (row.length === 2) return { height: row[0], width: row[1], channels: 1 };
  if (row.length !== 3) return undefined;
  return layout === 'NCHW'
    ? { channels: row[0], height: row[1], width: row[2] }
    : { height: row[0], width: row[1], channels: row[2] };
}

/** Why an image of these dims cannot be answered in `post`'s mode, or undefined when it can. */
export function channelProblem(dims: ImageDims, post: ImagePostprocessing): string | undefined {
  const c = dims.channels;
  if (c < 0) return undefined;
  if (post.mode === 'rgb')
    return c === 3 || c === 1
      ? undefined
      : `mode "rgb" needs 3 channels (or 1, answered gray); the output has ${c} (is "layout" ${post.layout} right?)`;
  return post.channel < c
    ? undefined
    : `channel ${post.channel} is not one of the output's ${c} channel(s) (is "layout" ${post.layout} right?)`;
}
