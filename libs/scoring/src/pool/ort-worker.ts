// The body of an inference pool thread: it owns onnxruntime sessions and runs them, so a long run blocks
// this thread, never the host's event loop. Kept free of the rest of the core (one
// run's code, the datatype table, types) because it is bundled on its own for the built apps.
import { parentPort } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { runSession } from '../model/session-run.js';
import { lowerPriority } from './thread-priority.js';
import type { Tensor, TensorData } from '../tensor/tensor.js';
import type { FromWorker, SessionSpec, ToWorker } from './worker-protocol.js';

const port = parentPort!;
// Below the event-loop thread in the OS scheduler: when the cores are busy, cache hits, health probes and
// lock renewals get them first, and model work takes what is left (on Linux this sets this thread only).
lowerPriority();
const sessions = new Map<string, { session: ort.InferenceSession; outputs: string[] }>();

async function load(spec: SessionSpec): Promise<void> {
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: spec.intraOpThreads,
    interOpNumThreads: 1,
  };
  const session =
    typeof spec.source === 'string'
      ? await ort.InferenceSession.create(spec.source, options)
      : await ort.InferenceSession.create(spec.source, options);
  sessions.set(spec.key, { session, outputs: spec.outputNames });
}

/** Whole buffers are moved to the host; a view into a larger one is copied first. */
function owned(data: TensorData): { data: TensorData; buffer?: ArrayBuffer } {
  if (Array.isArray(data)) return { data };
  if (
    data.byteOffset === 0 &&
    data.byteLength === data.buffer.byteLength &&
    data.buffer instanceof ArrayBuffer
  )
    return { data, buffer: data.buffer };
  const copy = data.slice();
  return { data: copy, buffer: copy.buffer as ArrayBuffer };
}

async function run(
  key: string,
  inputs: Tensor[],
  fetch: string[] | undefined,
): Promise<{ outputs: Tensor[]; seconds: number; transfer: ArrayBuffer[] }> {
  const s = sessions.get(key);
  if (!s) throw new Error(`session ${key} is not loaded in this thread`);
  const transfer: ArrayBuffer[] = [];
  const ran = await runSession(s.session, fetch ?? s.outputs, inputs);
  const outputs = ran.outputs.map((t): Tensor => {
    const o = owned(t.data);
    if (o.buffer) transfer.push(o.buffer);
    return { ...t, data: o.data };
  });
  return { outputs, seconds: ran.seconds, transfer };
}

function reply(msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
}

port.on('message', (msg: ToWorker) => {
  if (msg.op === 'unload') {
    const s = sessions.get(msg.key);
    sessions.delete(msg.key);
    void s?.session.release().catch(() => undefined);
    return;
  }
  const work =
    msg.op === 'load'
      ? load(msg.spec).then(() => reply({ id: msg.id, ok: true }))
      : run(msg.key, msg.inputs, msg.fetch).then(({ outputs, seconds, transfer }) =>
          reply({ id: msg.id, ok: true, outputs, seconds }, transfer),
        );
  work.catch((e: unknown) =>
    reply({ id: msg.id, ok: false, message: e instanceof Error ? e.message : String(e) }),
  );
});
