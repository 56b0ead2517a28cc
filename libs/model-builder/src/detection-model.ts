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
