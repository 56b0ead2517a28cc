import type { ImageDims, ImagePostprocessing } from '../model/image-postprocessing.js';
import { halfArrayToFloat32 } from '../tensor/fp16.js';
import type { Tensor } from '../tensor/tensor.js';

/** 8-bit pixels, channels interleaved, as sharp takes raw input. */
export interface RawImage {
  data: Buffer;
  width: number;
  height: number;
  channels: 1 | 3;
}

/** The output's elements as numbers (FP16 from its bits, 64-bit integers from BigInt). */
function numbers(t: Tensor): ArrayLike<number> {
  const d = t.data;
  if (Array.isArray(d)) throw new TypeError(`output "${t.name}" holds strings`);
  if (t.datatype === 'FP16') return halfArrayToFloat32(d as Uint16Array);
  if (d instanceof BigInt64Array || d instanceof BigUint64Array) return Float64Array.from(d, Number);
  return d as ArrayLike<number>;
}

/**
 * The image in the first row of `t` (shaped as `dims` says) as 8-bit levels: the channel of a mask, or
 * the 3 colour channels in RGB order; each value normalized, then `v * scale + offset`, rounded and
 * saturated to 0..255 (NaN is 0).
 */
export function imageLevels(t: Tensor, dims: ImageDims, post: ImagePostprocessing): RawImage {
  const values = numbers(t);
  const { width, height, channels: c } = dims;
  const pixels = width * height;
  const planar = post.layout === 'NCHW';
  const picked =
    post.mode === 'rgb' && c === 3
      ? post.color === 'bgr'
        ? [2, 1, 0]
        : [0, 1, 2]
      : [post.mode === 'rgb' ? 0 : post.channel];
  const n = picked.length as 1 | 3;
  const out = new Float64Array(pixels * n);
  for (let k = 0; k < n; k++) {
    const ch = picked[k];
    for (let i = 0; i < pixels; i++) out[i * n + k] = values[planar ? ch * pixels + i : i * c + ch];
  }
  normalize(out, post.normalize);
  const data = Buffer.allocUnsafe(out.length);
  const { scale, offset } = post;
  for (let i = 0; i < out.length; i++) {
    const v = out[i] * scale + offset;
    data[i] = v > 0 ? (v < 255 ? Math.round(v) : 255) : 0;
  }
  return { data, width, height, channels: n };
}

function normalize(v: Float64Array, how: ImagePostprocessing['normalize']): void {
  if (how === 'sigmoid') {
    for (let i = 0; i < v.length; i++) v[i] = 1 / (1 + Math.exp(-v[i]));
  } else if (how === 'minmax') {
    let min = Infinity;
    let max = -Infinity;
    for (const x of v) {
      if (x < min) min = x;
      if (x > max) max = x;
    }
    // A flat image (max = min) has no contrast to stretch: every value is 0, as IS-Net's code would make it
    // NaN and a PNG cannot hold that.
    const range = max - min;
    for (let i = 0; i < v.length; i++) v[i] = range > 0 ? (v[i] - min) / range : 0;
  }
}

/**
 * 8-bit levels of a mask made binary: a level whose normalized value ((level - offset) / scale) is at or
 * above `threshold` becomes the level of 1 (scale + offset), any other the level of 0 (offset), saturated.
 * Applied after resizing, so the edge is where the resized mask crosses the threshold at the answer's size.
 */
export function thresholdLevels(data: Buffer, post: ImagePostprocessing): void {
  const threshold = post.threshold;
  if (threshold === undefined) return;
  const sat = (v: number) => Math.min(255, Math.max(0, Math.round(v)));
  const on = sat(post.scale + post.offset);
  const off = sat(post.offset);
  const table = new Uint8Array(256);
  for (let l = 0; l < 256; l++) table[l] = (l - post.offset) / post.scale >= threshold ? on : off;
  for (let i = 0; i < data.length; i++) data[i] = table[data[i]];
}
