import { cv, withMats, type Mat } from './opencv.js';

/** The recognizer's (and the angle classifier's) input height. */
export const REC_HEIGHT = 48;

// PP-OCR's recognition normalisation, (x / 255 - 0.5) / 0.5, per 8-bit level.
const LEVELS = Float32Array.from({ length: 256 }, (_, v) => (v / 255 - 0.5) / 0.5);

/** The width a crop is resized to at height 48, its aspect ratio kept (PaddleOCR's resize_norm_img). */
export function scaledWidth(crop: Mat, maxWidth: number): number {
  return Math.max(1, Math.min(maxWidth, Math.ceil((REC_HEIGHT * crop.cols) / crop.rows)));
}

/** The padded width of a row: `width` rounded up to a multiple of `step`, at most the cap. */
export function paddedWidth(width: number, step: number, maxWidth: number): number {
  return Math.min(Math.ceil(width / step) * step, maxWidth);
}

/**
 * Writes one crop as a row of an [n, 3, 48, rowWidth] tensor at row `row`: resized bilinearly to
 * `width` x 48, BGR like PaddleOCR's cv2 images (the model was trained on BGR), normalised, and padded
 * on the right with zeros (mid-gray after normalisation), as PaddleOCR pads a batch to its widest line.
 * The row depends on the crop alone, never on its batch, so the host's per-row cache key is stable.
 */
export function writeRow(crop: Mat, width: number, out: Float32Array, row: number, rowWidth: number): void {
  const c = cv();
  withMats((track) => {
    const resized = track(new c.Mat());
    c.resize(crop, resized, new c.Size(width, REC_HEIGHT), 0, 0, c.INTER_LINEAR);
    const rgb = resized.data;
    const plane = REC_HEIGHT * rowWidth;
    const base = row * 3 * plane;
    for (let ch = 0; ch < 3; ch++) {
      const src = 2 - ch;
      for (let y = 0; y < REC_HEIGHT; y++) {
        const o = base + ch * plane + y * rowWidth;
        for (let x = 0, i = y * width * 3 + src; x < width; x++, i += 3) out[o + x] = LEVELS[rgb[i]];
      }
    }
  });
}
