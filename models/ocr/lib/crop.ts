import { distance, orderClockwise, type Quad } from './geometry.js';
import { cv, withMats, type Mat } from './opencv.js';
import { clamp } from './rounding.js';

/**
 * PaddleOCR's filter_tag_det_res: corners ordered clockwise, clipped to the image, and boxes with a side
 * of 3 pixels or less dropped. Undefined for a dropped box.
 */
export function clipBox(box: Quad, width: number, height: number): Quad | undefined {
  const q = orderClockwise(box).map(([x, y]) => [
    clamp(Math.trunc(x), 0, width - 1),
    clamp(Math.trunc(y), 0, height - 1),
  ]) as Quad;
  const w = Math.trunc(distance(q[0], q[1]));
  const h = Math.trunc(distance(q[0], q[3]));
  return w <= 3 || h <= 3 ? undefined : q;
}

/** The size of a box's crop before any turn, and whether it is turned a quarter (see cropQuad). */
export function cropSize(q: Quad): { width: number; height: number; turned: boolean } {
  const width = Math.trunc(Math.max(distance(q[0], q[1]), distance(q[2], q[3])));
  const height = Math.trunc(Math.max(distance(q[0], q[3]), distance(q[1], q[2])));
  return { width, height, turned: !(height / width < 1.5) };
}

/**
 * PaddleOCR's get_rotate_crop_image: the quadrilateral warped to an upright rectangle (bicubic,
 * replicated border), and turned a quarter counter-clockwise when it is much taller than wide, since
 * the recognizer reads horizontal lines. The caller deletes the returned Mat.
 */
export function cropQuad(page: Mat, q: Quad): Mat {
  const c = cv();
  const { width: w, height: h, turned: quarter } = cropSize(q);
  return withMats((track) => {
    const from = track(c.matFromArray(4, 1, c.CV_32FC2, q.flat()));
    const to = track(c.matFromArray(4, 1, c.CV_32FC2, [0, 0, w, 0, w, h, 0, h]));
    const m = track(c.getPerspectiveTransform(from, to));
    const crop = new c.Mat();
    c.warpPerspective(page, crop, m, new c.Size(w, h), c.INTER_CUBIC, c.BORDER_REPLICATE, new c.Scalar());
    if (!quarter) return crop;
    const turned = new c.Mat();
    c.rotate(crop, turned, c.ROTATE_90_COUNTERCLOCKWISE);
    crop.delete();
    return turned;
  });
}
