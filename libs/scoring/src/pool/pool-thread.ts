import type { Worker } from 'node:worker_threads';
import type { Tensor } from '../tensor/tensor.js';
import { startWorker } from './start-worker.js';
import type { FromWorker, SessionSpec, ToWorker } from './worker-protocol.js';

export interface RunReply {
  outputs: Tensor[];
  /** Time the run took in the thread (no queueing, no messaging). */
  seconds: number;
}

/**
 * One worker thread of the pool and the sessions loaded in it. It runs one job at a time: onnxruntime's
 * run is synchronous inside the thread, so a second job would only wait there instead of in the pool's
 * queue, where another thread may take it.
 */
export class PoolThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (m: FromWorker) => void }>();
  private seq = 0;
  readonly loaded = new Set<string>();
  /** Set while it runs a job. */
  busy = false;
  /** No new jobs: terminated once the current one ends (recycling). */
  draining = false;
  /** Became usable: every session registered when it started is loaded. */
  ready = false;
  exited = false;
  runs = 0;
  /** Resolves when the thread has ended. */
  readonly ended: Promise<void>;
  private markEnded!: () => void;

  constructor(onExit: (thread: PoolThread, error: Error | undefined) => void) {
    this.ended = new Promise((resolve) => (this.markEnded = resolve));
    this.worker = startWorker(new URL('./ort-worker', import.meta.url));
    let error: Error | undefined;
    this.worker.on('message', (m: FromWorker) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      p?.resolve(m);
    });
    this.worker.on('error', (e) => (error = e));
    this.worker.on('exit', (code) => {
      this.exited = true;
      const why =
        error ?? (this.draining ? undefined : new Error(`inference thread exited with code ${code}`));
      for (const p of this.pending.values())
        p.resolve({ id: -1, ok: false, message: why?.message ?? 'thread stopped' });
      this.pending.clear();
      onExit(this, why);
      this.markEnded();
    });
    // The host process may exit while a thread idles.
    this.worker.unref();
  }

  /** Keeps the process alive only while a reply is awaited. */
  private call(msg: ToWorker & { id: number }, transfer: ArrayBuffer[] = []): Promise<FromWorker> {
    if (this.exited) return Promise.resolve({ id: -1, ok: false, message: 'inference thread has stopped' });
    if (this.pending.size === 0) this.worker.ref();
    return new Promise<FromWorker>((resolve) => {
      this.pending.set(msg.id, { resolve });
      this.worker.postMessage(msg, transfer);
    }).finally(() => {
      if (this.pending.size > 0 || this.exited) return;
      if (this.draining) void this.worker.terminate();
      else this.worker.unref();
    });
  }

  async load(spec: SessionSpec): Promise<void> {
    const reply = await this.call({ op: 'load', id: ++this.seq, spec });
    if (!reply.ok) throw new Error(reply.message);
    this.loaded.add(spec.key);
  }

  unload(key: string): void {
    this.loaded.delete(key);
    if (!this.exited) this.worker.postMessage({ op: 'unload', key } satisfies ToWorker);
  }

  async run(key: string, inputs: Tensor[], transfer: ArrayBuffer[], fetch?: string[]): Promise<RunReply> {
    this.runs++;
    const reply = await this.call({ op: 'run', id: ++this.seq, key, inputs, fetch }, transfer);
    if (!reply.ok) throw Object.assign(new Error(reply.message), { threadStopped: reply.id === -1 });
    return { outputs: reply.outputs ?? [], seconds: reply.seconds ?? 0 };
  }

  /**
   * Ends the thread once nothing is pending in it: onnxruntime-node aborts the whole process when a thread
   * is torn down inside `run` ("terminate called after throwing an instance of 'Napi::Error'").
   */
  terminate(): Promise<void> {
    this.draining = true;
    if (this.pending.size === 0 && !this.exited) void this.worker.terminate();
    return this.ended;
  }
}
