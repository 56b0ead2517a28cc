import {
  separateDetectionOutputs,
  yolov5Output,
  yolov8Output,
  type KnownBox,
  type KnownOutput,
} from '@modelfn/model-builder';

/**
 * Known detector outputs for tests, in model-input pixels of a 64x64 input: boxes [x1, y1, x2, y2] written
 * out by every layout (YOLOv5 rows, YOLOv8 columns, separate boxes / scores / classes).
 */
export const LABELS = ['cat', 'dog', 'car'];

// IoU(A, B) = 324 / 476 = 0.68 (same class: B suppressed); IoU(A, C) = 361 / 439 = 0.82 (C is a dog: kept
// unless NMS is class-agnostic); E is the best box but lies in a 64x64 fit letterbox's top padding (model
// y < 16) of a 128x64 image; F reaches into that padding and past the right edge; G scores under 0.25.
export const BOXES: (KnownBox & { id: string })[] = [
  { id: 'B', box: [12, 22, 32, 42], cls: 0, score: 0.8 },
  { id: 'A', box: [10, 20, 30, 40], cls: 0, score: 0.9 },
  { id: 'C', box: [11, 21, 31, 41], cls: 1, score: 0.7 },
  { id: 'D', box: [40, 30, 60, 44], cls: 2, score: 0.6 },
  { id: 'E', box: [40, 0, 50, 10], cls: 0, score: 0.95 },
  { id: 'F', box: [50, 10, 70, 30], cls: 1, score: 0.5, objectness: 0.5 },
  { id: 'G', box: [0, 50, 10, 60], cls: 2, score: 0.2 },
];

export const yolov5 = (): KnownOutput => yolov5Output(BOXES, LABELS.length);
export const yolov8 = (): KnownOutput => yolov8Output(BOXES, LABELS.length);
/** Normalised by the 64x64 input. */
export const separate = (): KnownOutput[] => separateDetectionOutputs(BOXES, { width: 64, height: 64 });
