import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildModel, tensor } from './onnx-builder.js';

/**
 * x FP32 [N, 1] → y = x + offset (FP32 [N, 1]): versions of one model that answer differently, so a test
 * tells from an answer alone which version gave it (traffic splits, cache keys per model file).
 */
export function offsetModel(offset: number): Uint8Array {
  return buildModel({
    graph: {
      inputs: [tensor('x', 'FP32', ['N', 1])],
      outputs: [tensor('y', 'FP32', ['N', 1])],
      initializers: [{ name: 'offset', datatype: 'FP32', dims: [1], values: [offset] }],
      nodes: [{ op: 'Add', inputs: ['x', 'offset'], outputs: ['y'] }],
    },
  });
}

/**
 * `<root>/<name>/config.json` and `<root>/<name>/<v>/model.onnx` for each version, version v answering
 * y = x + v: a model of several versions in a repository folder, for tests of version routing.
 */
export function writeOffsetModel(root: string, name: string, versions: number[], config: object): void {
  mkdirSync(join(root, name), { recursive: true });
  writeFileSync(join(root, name, 'config.json'), JSON.stringify(config));
  for (const v of versions) {
    mkdirSync(join(root, name, String(v)), { recursive: true });
    writeFileSync(join(root, name, String(v), 'model.onnx'), offsetModel(v));
  }
}
