import type { Tensor } from '../tensor/tensor.js';

// Messages between an inference pool and one of its worker threads. Tensors travel as they are: their
// typed arrays are structured-cloned or, when the sender owns the whole buffer, transferred.

export interface SessionSpec {
  /** Unique in the pool: one per loaded ONNX graph (model version and file). */
  key: string;
  /** The file, or the graph's bytes when it was adapted in memory. */
  source: string | Uint8Array;
  intraOpThreads: number;
  /** The outputs a run fetches, in order, unless it names its own (`fetch`, a selection). */
  outputNames: string[];
}

export type ToWorker =
  | { op: 'load'; id: number; spec: SessionSpec }
  | { op: 'unload'; key: string }
  | { op: 'run'; id: number; key: string; inputs: Tensor[]; fetch?: string[] };

export type FromWorker =
  { id: number; ok: true; outputs?: Tensor[]; seconds?: number } | { id: number; ok: false; message: string };
