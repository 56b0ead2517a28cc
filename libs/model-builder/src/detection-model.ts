import { buildModel, tensor, type InitializerSpec, type NodeSpec } from './onnx-builder.js';

/** One output of a detection model built in code: the same known values for every row. */
export interface KnownOutput {
  name: string;
  datatype: 'FP32' | 'INT64';
  /** Dims of one row, e.g. [N, 85] (YOLOv5), [84, N] (YOLOv8), [N, 4] (boxes), [N] (scores, classes). */
  dims: number[];
  /** Row-major values of one row. */
  values: number[];
}

export interface DetectionModelSpec {
  /** Size of the image input (x: [batch, 3, height, width]). */
  width: number;
  height: number;
  outputs: KnownOutput[];
  /** false: no batch dimension, every shape starts with a fixed 1 (as many exported detectors are). */
  batched?: boolean;
}

/**
 * x FP32 [N, 3, H, W] → outputs whose every row is known: each is its `values` broadcast over the batch
 * (`values + 0 × mean(x)`, so the graph reads its input and dim 0 is the batch's). Tests of detection
 * post-processing write the boxes, scores and classes they expect to be decoded and suppressed.
 */
export function detectionModel(spec: DetectionModelSpec): Uint8Array {
  const batched = spec.batched ?? true;
  const n = batched ? 'N' : 1;
  const nodes: NodeSpec[] = [
    {
      op: 'ReduceMean',
      inputs: ['x'],
      outputs: ['m'],
      attributes: { axes: { ints: [1, 2, 3] }, keepdims: { int: 1 } },
    },
    { op: 'Mul', inputs: ['m', 'zero'], outputs: ['z4'] },
  ];
  const initializers: InitializerSpec[] = [{ name: 'zero', datatype: 'FP32', dims: [], values: [0] }];
  for (const o of spec.outputs) {
    const known = `${o.name}_known`;
    const shape = `${o.name}_shape`;
    initializers.push(
      { name: known, datatype: o.datatype, dims: o.dims, values: o.values },
      // [-1, 1, ..., 1]: the batch, then ones to broadcast over the row's dims.
      { name: shape, datatype: 'INT64', dims: [o.dims.length + 1], values: [-1, ...o.dims.map(() => 1)] },
    );
    nodes.push({ op: 'Reshape', inputs: ['z4', shape], outputs: [`${o.name}_z`] });
    if (o.datatype === 'INT64') {
      nodes.push({
        op: 'Cast',
        inputs: [`${o.name}_z`],
        outputs: [`${o.name}_zi`],
        attributes: { to: { int: 7 } },
      });
      nodes.push({ op: 'Add', inputs: [`${o.name}_zi`, known], outputs: [o.name] });
    } else nodes.push({ op: 'Add', inputs: [`${o.name}_z`, known], outputs: [o.name] });
  }
  return buildModel({
    graph: {
      inputs: [tensor('x', 'FP32', [n, 3, spec.height, spec.width])],
      outputs: spec.outputs.map((o) => tensor(o.name, o.datatype, [n, ...o.dims])),
      initializers,
      nodes,
    },
  });
}

/** A box a detector built in code answers: corners in model-input pixels, its class and score. */
export interface KnownBox {
  box: [number, number, number, number];
  cls: number;
  score: number;
  /** YOLOv5 objectness (default 1; the class score is score / objectness). */
  objectness?: number;
}

const cxcywh = ([x1, y1, x2, y2]: number[]) => [(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1];

/** Class scores of a box: its class gets `score`, every other class 0.01. */
const classScores = (classes: number, cls: number, score: number) =>
  Array.from({ length: classes }, (_, k) => (k === cls ? score : 0.01));

/** YOLOv5's [N, 5 + C]: cx, cy, w, h, objectness, class scores. */
export function yolov5Output(boxes: KnownBox[], classes: number, name = 'output0'): KnownOutput {
  const values = boxes.flatMap((b) => {
    const obj = b.objectness ?? 1;
    return [...cxcywh(b.box), obj, ...classScores(classes, b.cls, b.score / obj)];
  });
  return { name, datatype: 'FP32', dims: [boxes.length, 5 + classes], values };
}

/** YOLOv8's [4 + C, N]: the rows transposed, no objectness. */
export function yolov8Output(boxes: KnownBox[], classes: number, name = 'output0'): KnownOutput {
  const rows = boxes.map((b) => [...cxcywh(b.box), ...classScores(classes, b.cls, b.score)]);
  const values = Array.from({ length: 4 + classes }, (_, j) => rows.map((r) => r[j])).flat();
  return { name, datatype: 'FP32', dims: [4 + classes, boxes.length], values };
}

/** Separate outputs: boxes [N, 4] (xyxy, divided by `scale` when normalised), scores [N], classes INT64 [N]. */
export function separateDetectionOutputs(
  boxes: KnownBox[],
  scale: { width: number; height: number } = { width: 1, height: 1 },
): KnownOutput[] {
  const n = boxes.length;
  return [
    {
      name: 'boxes',
      datatype: 'FP32',
      dims: [n, 4],
      values: boxes.flatMap(({ box: [x1, y1, x2, y2] }) => [
        x1 / scale.width,
        y1 / scale.height,
        x2 / scale.width,
        y2 / scale.height,
      ]),
    },
    { name: 'scores', datatype: 'FP32', dims: [n], values: boxes.map((b) => b.score) },
    { name: 'classes', datatype: 'INT64', dims: [n], values: boxes.map((b) => b.cls) },
  ];
}
