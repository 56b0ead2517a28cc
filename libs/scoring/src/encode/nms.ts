/** A candidate box: corners [x1, y1, x2, y2] (x1 <= x2, y1 <= y2), its best class and that class's score. */
export interface Candidate {
  box: readonly [number, number, number, number];
  cls: number;
  score: number;
}

export interface NmsOptions {
  /** A box overlapping a kept one by more than this (intersection over union) is suppressed. */
  iouThreshold: number;
  maxDetections: number;
  /** Suppress across classes; default: only boxes of the same class suppress each other. */
  classAgnostic?: boolean;
}

function area(b: Candidate['box']): number {
  return Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);
}

export function iou(a: Candidate['box'], b: Candidate['box']): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (area(a) + area(b) - inter);
}

/**
 * Greedy non-maximum suppression, as torchvision's `batched_nms` and Ultralytics do it: best score first
 * (ties: the earlier candidate), each box kept unless a kept box of its class (any class when
 * `classAgnostic`) overlaps it by more than `iouThreshold`. Taking candidates in one global score order and
 * stopping at `maxDetections` gives what per-class NMS then the top `maxDetections` gives, at the cost of
 * comparing each candidate with the kept boxes only.
 */
export function nms(candidates: readonly Candidate[], opts: NmsOptions): Candidate[] {
  const order = candidates
    .map((_, i) => i)
    .sort((a, b) => candidates[b].score - candidates[a].score || a - b);
  const kept: Candidate[] = [];
  for (const i of order) {
    if (kept.length >= opts.maxDetections) break;
    const c = candidates[i];
    const suppressed = kept.some(
      (k) => (opts.classAgnostic || k.cls === c.cls) && iou(k.box, c.box) > opts.iouThreshold,
    );
    if (!suppressed) kept.push(c);
  }
  return kept;
}
