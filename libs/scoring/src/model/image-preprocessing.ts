import { ScoringError } from '../errors.js';

/**
 * How an uploaded image becomes one model row (`preprocessing.image` in config.json). Each value is
 * `(pixel * scale - mean[c]) / std[c]`, with `c` counted in the model's channel order (for BGR, mean[0] is
 * blue's, as Caffe-era models publish them).
 */
export interface ImagePreprocessing {
  width: number;
  height: number;
  color: 'gray' | 'rgb' | 'bgr';
  /** NCHW and NHWC are shaped tensors; flat is [H*W*C] with channels interleaved (the original MNIST row). */
  layout: 'NCHW' | 'NHWC' | 'flat';
  /** fit letterboxes (aspect kept, padded with background); crop scales the shorter side then centre-crops. */
  resize: 'stretch' | 'fit' | 'crop';
  scale: number;
  /** One value for every channel, or one per channel. */
  mean: number[];
  std: number[];
  /** pixel := 255 - pixel before scaling, for models trained on light-on-dark images. */
  invert: boolean;
  /** 0..255 gray level under transparent parts and around `fit` letterboxed images. */
  background: number;
  /** image/svg+xml is rendered (by librsvg) only for a model that sets this; never by default. */
  allowSvg?: boolean;
}

const COLORS = ['gray', 'rgb', 'bgr'] as const;
const LAYOUTS = ['NCHW', 'NHWC', 'flat'] as const;
const RESIZES = ['stretch', 'fit', 'crop'] as const;

export function imageChannels(p: Pick<ImagePreprocessing, 'color'>): 1 | 3 {
  return p.color === 'gray' ? 1 : 3;
}

/** The shape of one row, batch dimension excluded. */
export function imageRowShape(p: ImagePreprocessing): number[] {
  const c = imageChannels(p);
  switch (p.layout) {
    case 'NCHW':
      return [c, p.height, p.width];
    case 'NHWC':
      return [p.height, p.width, c];
    case 'flat':
      return [p.height * p.width * c];
  }
}

function show(v: unknown): string {
  return typeof v === 'string' ? `"${v}"` : (JSON.stringify(v) ?? String(v));
}

/**
 * Validates `preprocessing.image`, filling in defaults; unknown keys (such as "note") are ignored. `where`
 * starts every error, e.g. `model "mnist": config.json preprocessing.image`.
 */
export function parseImagePreprocessing(raw: unknown, where: string): ImagePreprocessing {
  const fail = (why: string): never => {
    throw new ScoringError('INVALID_MODEL', `${where}: ${why}`);
  };
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    fail(`must be an object such as {"width": 224, "height": 224}; got ${show(raw)}`);
  }
  const r = raw as Record<string, unknown>;

  const size = (key: 'width' | 'height'): number => {
    const v = r[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      fail(`${key} must be a positive integer number of pixels; got ${show(v)}`);
    }
    return v as number;
  };
  const oneOf = <T extends string>(key: string, allowed: readonly T[], fallback: T): T => {
    const v = r[key];
    if (v === undefined) return fallback;
    if (!allowed.includes(v as T)) {
      fail(`${key} must be one of ${allowed.map(show).join(', ')}; got ${show(v)}`);
    }
    return v as T;
  };
  const finite = (key: string, v: unknown): number => {
    if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${key} must be a finite number; got ${show(v)}`);
    return v as number;
  };

  const width = size('width');
  const height = size('height');

  // Configs written before colour support say `"channels": 1` and mean a flat gray row; keep that meaning.
  const legacy = r.channels;
  if (legacy !== undefined && legacy !== 1 && legacy !== 3) {
    fail(
      `channels must be 1 (gray) or 3 (rgb); got ${show(legacy)} (prefer "color": "gray" | "rgb" | "bgr")`,
    );
  }
  const color = oneOf('color', COLORS, legacy === 1 ? 'gray' : 'rgb');
  if (legacy !== undefined && legacy !== imageChannels({ color })) {
    fail(`channels ${legacy} contradicts color "${color}"; drop "channels"`);
  }
  const channels = imageChannels({ color });
  const layout = oneOf('layout', LAYOUTS, legacy !== undefined ? 'flat' : 'NCHW');
  const resize = oneOf('resize', RESIZES, 'stretch');

  const scale = r.scale === undefined ? 1 / 255 : finite('scale', r.scale);
  if (scale === 0) {
    fail('scale must not be 0 (every image would give the same row); 1/255 maps pixels to 0..1');
  }

  const perChannel = (key: 'mean' | 'std', fallback: number): number[] => {
    const v = r[key];
    if (v === undefined) return [fallback];
    // A bare number is the common way to write one value for every channel.
    const list = typeof v === 'number' ? [v] : v;
    if (!Array.isArray(list) || (list.length !== 1 && list.length !== channels)) {
      const lists =
        channels === 1 ? '1 number (gray has one channel)' : `1 or 3 numbers (one per ${color} channel)`;
      fail(`${key} must be a number or a list of ${lists}; got ${show(v)}`);
    }
    return (list as unknown[]).map((x, i) => finite(`${key}[${i}]`, x));
  };
  const mean = perChannel('mean', 0);
  const std = perChannel('std', 1);
  if (std.includes(0)) fail(`std must not contain 0 (values are divided by it); got ${show(std)}`);

  const invert = r.invert ?? false;
  if (typeof invert !== 'boolean') fail(`invert must be true or false; got ${show(invert)}`);

  // Transparent parts have always shown black, or white for inverted models (white after inversion is black).
  const background = r.background === undefined ? (invert ? 255 : 0) : finite('background', r.background);
  if (!Number.isInteger(background) || background < 0 || background > 255) {
    fail(`background must be an integer gray level 0..255; got ${show(background)}`);
  }

  const allowSvg = r.allowSvg ?? false;
  if (typeof allowSvg !== 'boolean') fail(`allowSvg must be true or false; got ${show(allowSvg)}`);

  const parsed: ImagePreprocessing = {
    width,
    height,
    color,
    layout,
    resize,
    scale,
    mean,
    std,
    invert: invert as boolean,
    background,
  };
  if (allowSvg) parsed.allowSvg = true;
  return parsed;
}
