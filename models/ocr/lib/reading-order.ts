import type { Pt, Quad } from './geometry.js';

export interface Segment {
  box: Quad;
  text: string;
  confidence: number;
}

/** A line of the page: its segments joined. */
export type Line = Segment;

const top = (q: Quad) => Math.min(q[0][1], q[1][1]);
const bottom = (q: Quad) => Math.max(q[2][1], q[3][1]);
const left = (q: Quad) => Math.min(q[0][0], q[3][0]);

/**
 * The page's slant: the median angle of the segments' top edges (radians, clockwise on a y-down page),
 * of those within 45° of level. A scan a few degrees askew has every line tilted alike.
 */
function slant(segments: Segment[]): number {
  const angles = segments
    .map(({ box: [tl, tr] }) => Math.atan2(tr[1] - tl[1], tr[0] - tl[0]))
    .filter((a) => Math.abs(a) < Math.PI / 4)
    .sort((a, b) => a - b);
  return angles.length === 0 ? 0 : angles[Math.floor(angles.length / 2)];
}

/** `q` turned by -`angle` about the origin: the slanted page's lines level. */
function levelled(q: Quad, angle: number): Quad {
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const turn = ([x, y]: Pt): Pt => [x * cos + y * sin, -x * sin + y * cos];
  return [turn(q[0]), turn(q[1]), turn(q[2]), turn(q[3])];
}

/**
 * Reading order for horizontal text: segments whose vertical centres are within `tolerance` times the
 * smaller of their heights share a line (the detector may split a line at a wide gap, and a line's boxes
 * are a few pixels apart in height), lines top to bottom, segments left to right. PaddleOCR's
 * sorted_boxes uses a fixed 10 px instead, which is wrong both for large text and for dense small text.
 * A line's text joins its segments with a space; its box spans them; its confidence is the mean per
 * character. Heights and centres are measured on the page turned level by its slant: on a page 5° askew
 * a 600-pixel line's upright bounding box is 50 pixels taller than its text, taller than the space
 * between lines, so neighbouring lines would share a row.
 */
export function readingOrder(segments: Segment[], tolerance: number): Line[] {
  const angle = slant(segments);
  const level = new Map(segments.map((s) => [s, levelled(s.box, angle)]));
  const y = (s: Segment) => top(level.get(s)!) + bottom(level.get(s)!);
  const sorted = [...segments].sort((a, b) => y(a) - y(b));
  const rows: { centre: number; height: number; items: Segment[] }[] = [];
  for (const s of sorted) {
    const q = level.get(s)!;
    const centre = (top(q) + bottom(q)) / 2;
    const height = bottom(q) - top(q);
    const row = rows.find((r) => Math.abs(r.centre - centre) <= tolerance * Math.min(r.height, height));
    if (row) {
      row.centre = (row.centre * row.items.length + centre) / (row.items.length + 1);
      row.height = Math.max(row.height, height);
      row.items.push(s);
    } else rows.push({ centre, height, items: [s] });
  }
  rows.sort((a, b) => a.centre - b.centre);
  return rows.map(({ items }) => {
    items.sort((a, b) => left(level.get(a)!) - left(level.get(b)!));
    const first = items[0].box;
    const last = items[items.length - 1].box;
    const chars = items.reduce((n, s) => n + Math.max(1, s.text.length), 0);
    return {
      text: items.map((s) => s.text).join(' '),
      confidence: items.reduce((sum, s) => sum + s.confidence * Math.max(1, s.text.length), 0) / chars,
      box: [first[0], last[1], last[2], first[3]],
    };
  });
}
