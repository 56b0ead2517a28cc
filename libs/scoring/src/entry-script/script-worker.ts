// The body of a thread that runs one model version's entry script: `init` once, then `run` for each request
// the host sends. The script's context looks as it does in the host, but infer and the result cache are
// calls back to the host (see script-protocol.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { lowerPriority } from '../pool/thread-priority.js';
import type { Tensor } from '../tensor/tensor.js';
import { amlRequest } from './aml-request.js';
import { logFor } from './entry-log.js';
import { importScript } from './import-script.js';
import {
  fromWire,
  movableTensors,
  toWire,
  type FromScript,
  type ScriptCall,
  type ScriptThreadData,
  type ToScript,
} from './script-protocol.js';
import { isEntryResponse, type EntryContext } from './types.js';

const port = parentPort!;
// Below the event-loop thread in the OS scheduler: when the cores are busy, cache hits, health probes and
// lock renewals get them first, and model work takes what is left (on Linux this sets this thread only).
lowerPriority();
const data = workerData as ScriptThreadData;
const log = logFor(data.model.name);
const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
let calls = 0;

function send(msg: FromScript, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
}

function call(run: number, request: ScriptCall, transfer: ArrayBuffer[] = []): Promise<unknown> {
  const id = ++calls;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    send({ op: 'call', run, call: id, request }, transfer);
  });
}

function context(run: number): EntryContext {
  return {
    model: data.model,
    sessions: data.sessions,
    log,
    async infer(session, inputs) {
      const moved = movableTensors(inputs);
      return (await call(run, { kind: 'infer', session, inputs: moved.tensors }, moved.transfer)) as Record<
        string,
        Tensor
      >;
    },
    cache: {
      get: async <T>(key: string) => (await call(run, { kind: 'cache-get', key })) as T | undefined,
      set: async (key, value) => void (await call(run, { kind: 'cache-set', key, value })),
    },
  };
}

const script = importScript(data.scriptPath);

async function runScript(run: number, msg: Extract<ToScript, { op: 'run' }>): Promise<void> {
  try {
    const s = await script;
    let value: unknown;
    if (run === 0) value = await s.init?.(context(0));
    else {
      const body = Buffer.from(
        msg.request.body.buffer,
        msg.request.body.byteOffset,
        msg.request.body.byteLength,
      );
      const request = amlRequest({ ...msg.request, body });
      value =
        msg.call === 'respondAsync'
          ? (await s.respondAsync?.(request, context(run))) === true
          : await s.run(request, context(run));
    }
    if (run === 0) return send({ op: 'done', run, ok: true, value: undefined });
    if (isEntryResponse(value))
      send({
        op: 'done',
        run,
        ok: true,
        value: value.body,
        response: { status: value.status, headers: { ...value.headers } },
      });
    else send({ op: 'done', run, ok: true, value });
  } catch (e) {
    send({ op: 'done', run, ok: false, error: toWire(e) });
  }
}

port.on('message', (msg: ToScript) => {
  if (msg.op === 'run') return void runScript(msg.run, msg);
  const p = pending.get(msg.call);
  pending.delete(msg.call);
  if (!p) return;
  if (msg.ok) p.resolve(msg.value);
  else p.reject(fromWire(msg.error));
});
