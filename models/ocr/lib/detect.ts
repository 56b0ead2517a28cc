import { dbPostprocess, type DbOptions, type DetBox } from './db-postprocess.js';
import type { RgbImage } from './image.js';
import { cv, withMats, type Mat } from './opencv.js';
import { roundHalfEven } from './rounding.js';
import { runSession, type OcrContext } from './session.js';

// PP-OCR's det normalisation (ImageNet mean/std), applied in the order of the image's channels, which
// PaddleOCR reads as BGR with cv2: channel 0 of the tensor is blue, normalised with 0.485 / 0.229.
const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];
const TABLES = MEAN.map((m, c) => Float32Array.from({ length: 256 }, (_, v) => (v / 255 - m) / STD[c]));

/**
 * PaddleOCR's DetResizeForTest (limit_type "max"): scaled down so the longer side is at most `limit`,
 * then each side rounded to a multiple of 32 (the network downsamples 32 times), at least 32. The
 * aspect ratio may change a little; boxes are scaled back per axis.
 */
export function detSize(width: number, height: number, limit: number): { width: number; height: number } {
  const ratio = Math.max(width, height) > limit ? limit / Math.max(width, height) : 1;
  const side = (s: number) => Math.max(roundHalfEven(Math.trunc(s * ratio) / 32) * 32, 32);
  return { width: side(width), height: side(height) };
}

/** The page as the detector's NCHW input: resized (bilinear, as cv2.resize), BGR, normalised. */
function detTensor(page: Mat, size: { width: number; height: number }): Float32Array {
  const c = cv();
  return withMats((track) => {
    const resized = track(new c.Mat());
    c.resize(page, resized, new c.Size(size.width, size.height), 0, 0, c.INTER_LINEAR);
    const plane = size.width * size.height;
    const out = new Float32Array(3 * plane);
    const rgb = resized.data;
    for (let ch = 0; ch < 3; ch++) {
      const table = TABLES[ch];
      const src = 2 - ch; // tensor channel 0 is blue
      for (let i = 0, o = ch * plane; i < plane; i++, o++) out[o] = table[rgb[i * 3 + src]];
    }
    return out;
  });
}

/** Text boxes of a page (in its pixels): one det.onnx run and DB post-processing. */
export async function detect(
  ctx: OcrContext,
  image: RgbImage,
  page: Mat,
  limit: number,
  db: DbOptions,
): Promise<DetBox[]> {
  const size = detSize(image.width, image.height, limit);
  const input = detTensor(page, size);
  const out = await runSession(ctx, 'det.onnx', input, [1, 3, size.height, size.width]);
  const [, , h, w] = out.shape;
  return dbPostprocess(out.data.subarray(0, h * w), { width: w, height: h }, image, db);
}
