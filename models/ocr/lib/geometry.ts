/** A point [x, y] and a quadrilateral: top-left, top-right, bottom-right, bottom-left. */
export type Pt = [number, number];
export type Quad = [Pt, Pt, Pt, Pt];

/** Shoelace area (absolute), as shapely's Polygon.area in PaddleOCR's unclip. */
export function polygonArea(poly: Pt[]): number {
  let a = 0;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    a += poly[j][0] * poly[i][1] - poly[i][0] * poly[j][1];
  }
  return Math.abs(a) / 2;
}

/** Perimeter, as shapely's Polygon.length. */
export function polygonLength(poly: Pt[]): number {
  let l = 0;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    l += Math.hypot(poly[i][0] - poly[j][0], poly[i][1] - poly[j][1]);
  }
  return l;
}

export function distance(a: Pt, b: Pt): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1]);
}

/**
 * The four corners of a rotated rectangle as PaddleOCR's get_mini_boxes orders them: sorted by x, then
 * the left pair and the right pair each split by y, giving TL, TR, BR, BL.
 */
export function orderMiniBox(points: Pt[]): Quad {
  const p = [...points].sort((a, b) => a[0] - b[0]);
  const [tl, bl] = p[1][1] > p[0][1] ? [p[0], p[1]] : [p[1], p[0]];
  const [tr, br] = p[3][1] > p[2][1] ? [p[2], p[3]] : [p[3], p[2]];
  return [tl, tr, br, bl];
}

/**
 * PaddleOCR's order_points_clockwise: TL has the smallest x+y, BR the largest, and of the other two TR
 * has the smaller y-x. Applied to the final integer boxes, whose rounding can reorder a near-square box.
 */
export function orderClockwise(q: Pt[]): Quad {
  const sums = q.map(([x, y]) => x + y);
  const tlIdx = sums.indexOf(Math.min(...sums));
  const brIdx = sums.indexOf(Math.max(...sums));
  const rest = q.filter((_, i) => i !== tlIdx && i !== brIdx);
  if (rest.length !== 2) return [q[0], q[1], q[2], q[3]]; // every sum equal: a degenerate box, kept as is
  const [tr, bl] = rest[0][1] - rest[0][0] <= rest[1][1] - rest[1][0] ? rest : [rest[1], rest[0]];
  return [q[tlIdx], tr, q[brIdx], bl];
}
