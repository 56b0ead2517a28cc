import * as ort from 'onnxruntime-node';
import { ScoringError } from '../errors.js';
import { fromOrtType, ortType } from '../tensor/datatype.js';
import type { Tensor, TensorData } from '../tensor/tensor.js';

/**
 * One onnxruntime run: our tensors in (config order), the fetched outputs back in `outputNames` order,
 * and the seconds the run itself took. The same in the event-loop thread (OnnxModel) and in an inference
 * pool thread (ort-worker).
 */
export async function runSession(
  session: ort.InferenceSession,
  outputNames: string[],
  inputs: Tensor[],
): Promise<{ outputs: Tensor[]; seconds: number }> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const t of inputs) {
    feeds[t.name] = new ort.Tensor(
      ortType(t.datatype) as ort.Tensor.Type,
      t.data as ort.Tensor.DataType,
      t.shape,
    );
  }
  // onnxruntime-node runs the session in a setImmediate callback, synchronously. An immediate queued just
  // before it marks its start, so the time below is the run's, not the time the event loop was busy with
  // other work first (which would make a cheap model look slow on a busy host).
  let started = performance.now();
  setImmediate(() => (started = performance.now()));
  const out = await session.run(feeds, outputNames);
  const seconds = (performance.now() - started) / 1000;
  const outputs = outputNames.map((name) => {
    const t = out[name];
    const datatype = fromOrtType(t.type);
    if (!datatype)
      throw new ScoringError(
        'INFERENCE_FAILED',
        `output "${name}" has element type ${t.type}, which cannot be served`,
      );
    return { name, datatype, shape: t.dims.map(Number), data: t.data as TensorData };
  });
  return { outputs, seconds };
}
