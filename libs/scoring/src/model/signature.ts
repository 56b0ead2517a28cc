import type { InferenceSession } from 'onnxruntime-node';
import { fromOrtType } from '../tensor/datatype.js';
import type { DataType } from '../tensor/tensor.js';

/** One input or output as the ONNX graph declares it; -1 marks a dynamic dimension (named or not). */
export interface TensorSignature {
  name: string;
  datatype: DataType;
  shape: number[];
}

export interface ModelSignature {
  inputs: TensorSignature[];
  outputs: TensorSignature[];
  /** Outputs onnxruntime-node cannot hand over (sequences, maps): not served, said at load. */
  unsupported: string[];
}

function shapeOf(shape: ReadonlyArray<number | string>): number[] {
  // Symbolic names ("batch", "N") and unnamed dims both mean "any size" to a server.
  return shape.map((d) => (typeof d === 'number' && d > 0 ? d : -1));
}

/** The session's signature from onnxruntime's own metadata (names, element types, shapes). */
export function readSignature(session: InferenceSession): ModelSignature {
  const unsupported: string[] = [];
  const convert = (metas: readonly InferenceSession.ValueMetadata[], kind: 'input' | 'output') => {
    const out: TensorSignature[] = [];
    for (const m of metas) {
      const datatype = m.isTensor ? fromOrtType(m.type) : undefined;
      if (!m.isTensor || !datatype) {
        const why = m.isTensor ? `element type ${m.type}` : 'not a tensor';
        if (kind === 'input') throw new Error(`input "${m.name}" is ${why}; only tensor inputs can be fed`);
        unsupported.push(`${m.name} (${why})`);
        continue;
      }
      out.push({ name: m.name, datatype, shape: shapeOf(m.shape) });
    }
    return out;
  };
  return {
    inputs: convert(session.inputMetadata, 'input'),
    outputs: convert(session.outputMetadata, 'output'),
    unsupported,
  };
}
