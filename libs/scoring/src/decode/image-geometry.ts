import type { ImagePreprocessing } from '../model/image-preprocessing.js';

/**
 * Where a sent image went in the model's input: its size (upright, after EXIF orientation) and the
 * transform `preprocessing.image.resize` applied. Coordinates are continuous pixel edges (0..width), so a
 * box [x1, y1, x2, y2] maps exactly and a pixel's centre is at i + 0.5. Along each axis:
 *
 *     model-input x = sent x * scaleX + offsetX        sent x = (model-input x - offsetX) / scaleX
 *
 * The numbers are those sharp (libvips) uses: `fit` resizes by min(W/w, H/h) to round(w * s) pixels and
 * embeds them at floor((W - rw) / 2) (letterbox); `crop` resizes by max(W/w, H/h) and extracts from
 * floor((rw - W + 1) / 2); `stretch` resizes each axis to the input's size.
 */
export interface ImageGeometry {
  /** The sent image, upright, in pixels. */
  width: number;
  height: number;
  /** The model input's image size (preprocessing.image width and height). */
  inputWidth: number;
  inputHeight: number;
  resize: ImagePreprocessing['resize'];
  scaleX: number;
  scaleY: number;
  /** Letterbox padding (fit: >= 0) or the crop's start (crop: <= 0), in model-input pixels. */
  offsetX: number;
  offsetY: number;
}

/** An axis-aligned rectangle: left/top edge and size, in pixels. */
export interface PixelRect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** [x1, y1, x2, y2]: top-left and bottom-right corners. */
export type Box = [number, number, number, number];

/** The geometry of a `width` x `height` upright image preprocessed as `pre` says. */
export function imageGeometry(
  width: number,
  height: number,
  pre: Pick<ImagePreprocessing, 'width' | 'height' | 'resize'>,
): ImageGeometry {
  const W = pre.width;
  const H = pre.height;
  const base = { width, height, inputWidth: W, inputHeight: H, resize: pre.resize };
  if (pre.resize === 'stretch') {
    return { ...base, scaleX: W / width, scaleY: H / height, offsetX: 0, offsetY: 0 };
  }
  const s = pre.resize === 'fit' ? Math.min(W / width, H / height) : Math.max(W / width, H / height);
  // libvips rounds the resized size to whole pixels: the scale along each axis is what that makes it.
  const rw = Math.max(1, Math.round(width * s));
  const rh = Math.max(1, Math.round(height * s));
  const offset =
    pre.resize === 'fit'
      ? (resized: number, input: number) => Math.floor((input - resized) / 2)
      : (resized: number, input: number) => -Math.floor((resized - input + 1) / 2) || 0;
  return {
    ...base,
    scaleX: rw / width,
    scaleY: rh / height,
    offsetX: offset(rw, W),
    offsetY: offset(rh, H),
  };
}

/** The geometry of rows that came as tensors, not images: model-input pixels are the "sent" pixels. */
export function identityGeometry(pre: Pick<ImagePreprocessing, 'width' | 'height'>): ImageGeometry {
  return imageGeometry(pre.width, pre.height, { ...pre, resize: 'stretch' });
}

/** A point in model-input pixels as a point of the sent image (not clipped). */
export function toSentPoint(g: ImageGeometry, x: number, y: number): [number, number] {
  return [(x - g.offsetX) / g.scaleX, (y - g.offsetY) / g.scaleY];
}

/** A point of the sent image in model-input pixels (the forward transform). */
export function toInputPoint(g: ImageGeometry, x: number, y: number): [number, number] {
  return [x * g.scaleX + g.offsetX, y * g.scaleY + g.offsetY];
}

/**
 * A box in model-input pixels as a box of the sent image, clipped to it (a box in a letterbox's padding
 * or past the input's edge ends at the image's edge; one wholly outside has zero width or height).
 * Corners are put in order first.
 */
export function toSentBox(g: ImageGeometry, box: readonly number[]): Box {
  const [ax, ay] = toSentPoint(g, box[0], box[1]);
  const [bx, by] = toSentPoint(g, box[2], box[3]);
  const clipX = (v: number) => Math.min(Math.max(v, 0), g.width);
  const clipY = (v: number) => Math.min(Math.max(v, 0), g.height);
  return [clipX(Math.min(ax, bx)), clipY(Math.min(ay, by)), clipX(Math.max(ax, bx)), clipY(Math.max(ay, by))];
}

/**
 * The rectangle of the model input that holds image pixels, in whole model-input pixels: for `fit` the
 * letterboxed image without its padding (what to cut out of a mask before resizing it to the sent size);
 * for `stretch` and `crop` the whole input.
 */
export function imageRectInInput(g: ImageGeometry): PixelRect {
  const left = Math.max(0, g.offsetX);
  const top = Math.max(0, g.offsetY);
  const right = Math.min(g.inputWidth, Math.round(g.offsetX + g.width * g.scaleX));
  const bottom = Math.min(g.inputHeight, Math.round(g.offsetY + g.height * g.scaleY));
  return { left, top, width: right - left, height: bottom - top };
}

/**
 * The part of the sent image the model saw, in sent-image pixels (fractional): for `crop` the centre the
 * crop kept (a mask covers only that; the rest of the sent image is outside the model's view), for `fit`
 * and `stretch` the whole image.
 */
export function inputRectInSent(g: ImageGeometry): PixelRect {
  const [x1, y1] = toSentPoint(g, 0, 0);
  const [x2, y2] = toSentPoint(g, g.inputWidth, g.inputHeight);
  const left = Math.max(0, x1);
  const top = Math.max(0, y1);
  return { left, top, width: Math.min(g.width, x2) - left, height: Math.min(g.height, y2) - top };
}
