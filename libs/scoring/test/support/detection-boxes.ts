import type { KnownOutput } from '@modelfn/model-builder';

/**
 * Known detector outputs for tests, in model-input pixels of a 64x64 input, and what NMS leaves of them.
 * Boxes as [x1, y1, x2, y2]; each written out by every layout (YOLOv5 rows, YOLOv8 columns, separate
 * boxes / scores / classes).
 */
export const LABELS = ['cat', 'dog', 'car'];

export interface KnownBox {
  id: string;
  box: [number, number, number, number];
  cls: number;
  score: number;
  /** YOLOv5 objectness (the class score is score / objectness). */
  objectness?: number;
}

// IoU(A, B) = 324 / 476 = 0.68 (same class: B suppressed); IoU(A, C) = 361 / 439 = 0.82 (C is a dog: kept
// unless NMS is class-agnostic); E is the best box but lies in a 64x64 fit letterbox's top padding (model
// y < 16) of a 128x64 image; F reaches into that padding and past the right edge; G scores under 0.25.
export const BOXES: KnownBox[] = [
  { id: 'B', box: [12, 22, 32, 42], cls: 0, score: 0.8 },
  { id: 'A', box: [10, 20, 30, 40], cls: 0, score: 0.9 },
  { id: 'C', box: [11, 21, 31, 41], cls: 1, score: 0.7 },
  { id: 'D', box: [40, 30, 60, 44], cls: 2, score: 0.6 },
  { id: 'E', box: [40, 0, 50, 10], cls: 0, score: 0.95 },
  { id: 'F', box: [50, 10, 70, 30], cls: 1, score: 0.5, objectness: 0.5 },
  { id: 'G', box: [0, 50, 10, 60], cls: 2, score: 0.2 },
];

const CLASSES = LABELS.length;
const cxcywh = ([x1, y1, x2, y2]: number[]) => [(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1];

/** [N, 5 + C]: cx, cy, w, h, objectness, class scores (the box's class gets score / objectness, others 0.01). */
export function yolov5Output(name = 'output0', boxes = BOXES): KnownOutput {
  const values = boxes.flatMap((b) => {
    const obj = b.objectness ?? 1;
    const cls = Array.from({ length: CLASSES }, (_, k) => (k === b.cls ? b.score / obj : 0.01));
    return [...cxcywh(b.box), obj, ...cls];
  });
  return { name, datatype: 'FP32', dims: [boxes.length, 5 + CLASSES], values };
}

/** [4 + C, N]: YOLOv8's transposed rows, no objectness. */
export function yolov8Output(name = 'output0', boxes = BOXES): KnownOutput {
  const rows = boxes.map((b) => [
    ...cxcywh(b.box),
    ...Array.from({ length: CLASSES }, (_, k) => (k === b.cls ? b.score : 0.01)),
  ]);
  const values = Array.from({ length: 4 + CLASSES }, (_, j) => rows.map((r) => r[j])).flat();
  return { name, datatype: 'FP32', dims: [4 + CLASSES, boxes.length], values };
}

/** boxes [N, 4] (xyxy, or normalised by the 64x64 input), scores [N], classes INT64 [N]. */
export function separateOutputs(normalized = false, boxes = BOXES): KnownOutput[] {
  const scale = normalized ? 1 / 64 : 1;
  return [
    {
      name: 'boxes',
      datatype: 'FP32',
      dims: [boxes.length, 4],
      values: boxes.flatMap((b) => b.box.map((v) => v * scale)),
    },
    { name: 'scores', datatype: 'FP32', dims: [boxes.length], values: boxes.map((b) => b.score) },
    { name: 'classes', datatype: 'INT64', dims: [boxes.length], values: boxes.map((b) => b.cls) },
  ];
}
