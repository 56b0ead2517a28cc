import { createHash } from 'node:crypto';
import { cropSize } from './crop.js';
import type { Pt, Quad } from './geometry.js';
import type { RgbImage } from './image.js';

/** What a line's recognition depends on besides its pixels: the pipeline (code and config) and its rows. */
export interface LineKeyOptions {
  /** The pipeline's id (state.ts): its code and config.json, which the host's namespace does not cover. */
  pipeline: string;
  maxWidth: number;
  widthStep: number;
}

/**
 * How far beyond the box the ink is looked for. An axis-aligned box with whole-pixel corners is copied
 * exactly (the warp is a translation by whole pixels): one pixel beyond it shows whether its edges cut
 * the ink. A tilted box is resampled, and the bicubic warp's 4 x 4 kernel reads 2 pixels beyond its
 * samples (one more for the box's rounding).
 */
const REACH = { aligned: 1, tilted: 3 };
/** Steeper boxes are keyed by their recognition row: see inkKey. */
const MAX_SLOPE = 0.1;

/**
 * A text line's cache key that the detector's jitter does not change: the page pixels of the line's ink
 * (what the crop reads, trimmed to the bounding rectangle of every pixel that differs from the
 * background), with the background colour, the crop's 180-degree turn and what the recognition row is
 * made with. The detector moves a line's box by a pixel or three when anything else on the page
 * changes; that adds or removes background around the ink, which this key leaves out.
 *
 * Never a wrong answer: trimming removes only pixels exactly equal to the background (no threshold, so
 * no faint mark is ever left out of the key), over all the crop's warp reads and a little more (REACH),
 * and the key is given only when the ink lies wholly inside what the crop samples: for an axis-aligned
 * box (copied exactly) from its top-left corner up to, not including, its right and bottom edges; for a
 * tilted one (resampled) a pixel further in on every side. Two crops with one key are then the same ink
 * on the same uniform background, placed a little differently: the same text. Otherwise (ink cut by the
 * box, a neighbouring line's ink in or next to the crop, a box turned a quarter or steeper than
 * MAX_SLOPE) it is undefined and the line is keyed by its recognition row, as before. ~0.06 ms a line
 * (a tenth of making the row and hashing it, which a line found by this key no longer needs).
 */
export function inkKey(image: RgbImage, q: Quad, turned: boolean, o: LineKeyOptions): string | undefined {
  if (cropSize(q).turned || slope(q[0], q[1]) > MAX_SLOPE || slope(q[3], q[2]) > MAX_SLOPE) return undefined;
  const { data, width, height } = image;
  const aligned = q[0][1] === q[1][1] && q[3][1] === q[2][1] && q[0][0] === q[3][0] && q[1][0] === q[2][0];
  const reach = aligned ? REACH.aligned : REACH.tilted;
  const xs = q.map((p) => p[0]);
  const ys = q.map((p) => p[1]);
  const x0 = Math.max(0, Math.floor(Math.min(...xs)) - reach);
  const x1 = Math.min(width - 1, Math.ceil(Math.max(...xs)) - 1 + reach);
  const y0 = Math.max(0, Math.floor(Math.min(...ys)) - reach);
  const y1 = Math.min(height - 1, Math.ceil(Math.max(...ys)) - 1 + reach);
  if (x1 < x0 || y1 < y0) return undefined;
  const corner = (y0 * width + x0) * 3;
  const [b0, b1, b2] = [data[corner], data[corner + 1], data[corner + 2]];
  const isBg = (px: number) => data[px * 3] === b0 && data[px * 3 + 1] === b1 && data[px * 3 + 2] === b2;
  let top = -1;
  let bottom = -1;
  let left = x1 + 1;
  let right = -1;
  for (let y = y0; y <= y1; y++) {
    const row = y * width;
    let x = x0;
    while (x <= x1 && isBg(row + x)) x++;
    if (x > x1) continue;
    if (top < 0) top = y;
    bottom = y;
    if (x < left) left = x;
    let r = x1;
    while (r > right && isBg(row + r)) r--;
    if (r > right) right = r;
  }
  if (top < 0) return undefined;
  const slack = aligned ? 0 : 1;
  const ink: Pt[] = [
    [left, top],
    [right, top],
    [right, bottom],
    [left, bottom],
  ];
  if (!ink.every((p) => inside(q, p, [slack, 1 + slack, 1 + slack, slack]))) return undefined;
  const hash = createHash('sha256').update(
    JSON.stringify([
      o.pipeline,
      o.maxWidth,
      o.widthStep,
      turned,
      b0,
      b1,
      b2,
      right - left + 1,
      bottom - top + 1,
    ]),
  );
  for (let y = top; y <= bottom; y++) {
    hash.update(data.subarray((y * width + left) * 3, (y * width + right + 1) * 3));
  }
  return `rec:ink:${hash.digest('hex')}`;
}

function slope(a: Pt, b: Pt): number {
  return Math.abs(b[1] - a[1]) / Math.max(1, Math.abs(b[0] - a[0]));
}

/**
 * True when `p` is at least `min[i]` pixels inside edge i of the box (top, right, bottom, left). The box
 * is convex and clockwise on the screen (TL, TR, BR, BL with y down): its inside is right of each edge.
 */
function inside(q: Quad, p: Pt, min: number[]): boolean {
  for (let i = 0; i < 4; i++) {
    const a = q[i];
    const b = q[(i + 1) % 4];
    const len = Math.hypot(b[0] - a[0], b[1] - a[1]);
    if (len === 0) return false;
    const cross = (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]);
    if (cross / len < min[i]) return false;
  }
  return true;
}
