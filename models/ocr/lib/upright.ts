import type { Pt, Quad } from './geometry.js';

/** A page's turn: how far clockwise its text runs from left-to-right (0, 90, 180 or 270 degrees). */
export type Rotation = 0 | 90 | 180 | 270;

/**
 * A point of a page `w` × `h` whose text is turned `r` clockwise, in the frame where that text is upright
 * (reading order is decided there), and back. The upright frame of a 90° or 270° page is `h` × `w`.
 */
export function toUpright([x, y]: Pt, r: Rotation, w: number, h: number): Pt {
  if (r === 90) return [y, w - x];
  if (r === 180) return [w - x, h - y];
  if (r === 270) return [h - y, x];
  return [x, y];
}

export function fromUpright([x, y]: Pt, r: Rotation, w: number, h: number): Pt {
  if (r === 90) return [w - y, x];
  if (r === 180) return [w - x, h - y];
  if (r === 270) return [y, h - x];
  return [x, y];
}

export const mapQuad = (q: Quad, f: (p: Pt) => Pt): Quad => [f(q[0]), f(q[1]), f(q[2]), f(q[3])];

/** The nearest quarter turn to `degrees` (any angle, clockwise on a y-down page). */
export function quarterTurn(degrees: number): Rotation {
  return ((((Math.round(degrees / 90) % 4) + 4) % 4) * 90) as Rotation;
}
