import type { Quad } from './geometry.js';

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
 * Reading order for horizontal text: segments whose vertical centres are within `tolerance` times the
 * smaller of their heights share a line (the detector may split a line at a wide gap, and a line's boxes
 * are a few pixels apart in height), lines top to bottom, segments left to right. PaddleOCR's
 * sorted_boxes uses a fixed 10 px instead, which is wrong both for large text and for dense small text.
 * A line's text joins its segments with a space; its box spans them; its confidence is the mean per
 * character.
 */
export function readingOrder(segments: Segment[], tolerance: number): Line[] {
  const sorted = [...segments].sort((a, b) => top(a.box) + bottom(a.box) - (top(b.box) + bottom(b.box)));
  const rows: { centre: number; height: number; items: Segment[] }[] = [];
  for (const s of sorted) {
    const centre = (top(s.box) + bottom(s.box)) / 2;
    const height = bottom(s.box) - top(s.box);
    const row = rows.find((r) => Math.abs(r.centre - centre) <= tolerance * Math.min(r.height, height));
    if (row) {
      row.centre = (row.centre * row.items.length + centre) / (row.items.length + 1);
      row.height = Math.max(row.height, height);
      row.items.push(s);
    } else rows.push({ centre, height, items: [s] });
  }
  rows.sort((a, b) => a.centre - b.centre);
  return rows.map(({ items }) => {
    items.sort((a, b) => left(a.box) - left(b.box));
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
