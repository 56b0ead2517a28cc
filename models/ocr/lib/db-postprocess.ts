import { cv, withMats, type Cv, type Mat } from './opencv.js';
import { orderMiniBox, type Pt, type Quad } from './geometry.js';
import { clamp, roundHalfEven } from './rounding.js';
import { unclip } from './unclip.js';

export interface DbOptions {
  /** Probability above which a pixel is text. */
  thresh: number;
  /** Mean probability a box needs to be kept. */
  boxThresh: number;
  unclipRatio: number;
  /** 'slow': the mean over the contour polygon; 'fast': over its minimum-area rectangle. */
  scoreMode: 'slow' | 'fast';
  maxCandidates: number;
}

export interface DetBox {
  /** TL, TR, BR, BL in pixels of the original image. */
  box: Quad;
  score: number;
}

/** PaddleOCR's min_size: boxes whose short side is under 3 map pixels (5 after unclip) are noise. */
const MIN_SIZE = 3;

/**
 * DB post-processing as PaddleOCR's DBPostProcess.boxes_from_bitmap ("quad" boxes): contours of the
 * thresholded map, each scored on the probability map, grown by unclip and boxed by its minimum-area
 * rectangle, then scaled to the original image. `prob` is the H x W sigmoid map the detector returned.
 */
export function dbPostprocess(
  prob: Float32Array,
  size: { width: number; height: number },
  dest: { width: number; height: number },
  o: DbOptions,
): DetBox[] {
  const c = cv();
  const { width, height } = size;
  return withMats((track) => {
    const bitmap = track(new c.Mat(height, width, c.CV_8UC1));
    // OpenCV.js's `data` getter makes a new view into its heap on every read: read it once, not per pixel.
    const bits = bitmap.data;
    for (let i = 0; i < prob.length; i++) bits[i] = prob[i] > o.thresh ? 255 : 0;
    const pred = track(new c.Mat(height, width, c.CV_32FC1));
    pred.data32F.set(prob);
    const contours = track(new c.MatVector());
    c.findContours(bitmap, contours, track(new c.Mat()), c.RETR_LIST, c.CHAIN_APPROX_SIMPLE);
    const boxes: DetBox[] = [];
    for (let i = 0; i < Math.min(contours.size(), o.maxCandidates); i++) {
      const contour = track(contours.get(i));
      const mini = miniBox(c, contour);
      if (mini.side < MIN_SIZE) continue;
      const polygon = o.scoreMode === 'slow' ? contourPoints(contour) : mini.box;
      const score = meanInPolygon(c, pred, polygon);
      if (score < o.boxThresh) continue;
      const grown = unclip(mini.box, o.unclipRatio);
      if (!grown) continue;
      const big = withMats((t) => miniBox(c, t(matOf(c, grown, c.CV_32SC2))));
      if (big.side < MIN_SIZE + 2) continue;
      const box = big.box.map(([x, y]): Pt => [
        clamp(roundHalfEven((x / width) * dest.width), 0, dest.width),
        clamp(roundHalfEven((y / height) * dest.height), 0, dest.height),
      ]) as Quad;
      boxes.push({ box, score });
    }
    return boxes;
  });
}

function matOf(c: Cv, points: Pt[], type: number): Mat {
  return c.matFromArray(points.length, 1, type, points.flat());
}

function contourPoints(contour: Mat): Pt[] {
  const d = contour.data32S;
  const pts: Pt[] = [];
  for (let i = 0; i < d.length; i += 2) pts.push([d[i], d[i + 1]]);
  return pts;
}

/** PaddleOCR's get_mini_boxes: the minimum-area rectangle's corners (TL, TR, BR, BL) and short side. */
function miniBox(c: Cv, points: Mat): { box: Quad; side: number } {
  const r = c.minAreaRect(points);
  const corners = c.RotatedRect.points(r).map((p): Pt => [p.x, p.y]);
  return { box: orderMiniBox(corners), side: Math.min(r.size.width, r.size.height) };
}

/**
 * box_score_fast / box_score_slow: the mean probability inside the polygon, rasterised by fillPoly
 * over the polygon's bounding box (points truncated to integers, as PaddleOCR's astype(int32)).
 */
function meanInPolygon(c: Cv, pred: Mat, polygon: Pt[]): number {
  const xs = polygon.map((p) => p[0]);
  const ys = polygon.map((p) => p[1]);
  const xmin = clamp(Math.floor(Math.min(...xs)), 0, pred.cols - 1);
  const xmax = clamp(Math.ceil(Math.max(...xs)), 0, pred.cols - 1);
  const ymin = clamp(Math.floor(Math.min(...ys)), 0, pred.rows - 1);
  const ymax = clamp(Math.ceil(Math.max(...ys)), 0, pred.rows - 1);
  return withMats((track) => {
    const mask = track(c.Mat.zeros(ymax - ymin + 1, xmax - xmin + 1, c.CV_8UC1));
    const shifted = polygon.map(([x, y]): Pt => [Math.trunc(x - xmin), Math.trunc(y - ymin)]);
    const polys = track(new c.MatVector());
    polys.push_back(track(matOf(c, shifted, c.CV_32SC2)));
    c.fillPoly(mask, polys, new c.Scalar(1));
    const roi = track(pred.roi({ x: xmin, y: ymin, width: xmax - xmin + 1, height: ymax - ymin + 1 }));
    return c.mean(roi, mask)[0];
  });
}
