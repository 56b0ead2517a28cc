import type { Worker } from 'node:worker_threads';
import { ScoringError, toScoringError } from '../errors.js';
import type { ModelVersion } from '../model/model-version.js';
import { markSole } from '../pool/ownership.js';
import { startWorker } from '../pool/start-worker.js';
import type { RequestParts } from './aml-request.js';
import {
  fromWire,
  movableTensors,
  toWire,
  type FromScript,
  type ScriptCall,
  type ScriptThreadData,
  type ToScript,
} from './script-protocol.js';
import { entryModelInfo } from './entry-context.js';
import type { EntryContext } from './types.js';

export interface ScriptAnswer {
  value: unknown;
  response?: { status: number; headers: Record<string, string> };
}

interface Run {
  context: EntryContext;
  resolve: (a: ScriptAnswer) => void;
  reject: (e: unknown) => void;
}

/** One thread running the script; many runs at a time (they interleave while they await the host). */
class ScriptThread {
  private readonly worker: Worker;
  private readonly runs = new Map<number, Run>();
  private seq = 0;
  closing = false;

  constructor(data: ScriptThreadData, onExit: (t: ScriptThread) => void) {
    this.worker = startWorker(new URL('./script-worker', import.meta.url), data);
    let error = '';
    this.worker.on('message', (m: FromScript) => this.receive(m));
    this.worker.on('error', (e) => (error = e.message));
    this.worker.on('exit', (code) => {
      const why = error || `exited with code ${code}`;
      for (const r of this.runs.values())
        r.reject(new ScoringError('UNAVAILABLE', `the entry script's thread stopped (${why}); retry`));
      this.runs.clear();
      onExit(this);
    });
    this.worker.unref();
  }

  get load(): number {
    return this.runs.size;
  }

  /** `run` 0 is init. */
  start(run: 0 | 'next', request: RequestParts | undefined, context: EntryContext): Promise<ScriptAnswer> {
    const id = run === 0 ? 0 : ++this.seq;
    return new Promise((resolve, reject) => {
      if (this.runs.size === 0) this.worker.ref();
      this.runs.set(id, { context, resolve, reject });
      const transfer: ArrayBuffer[] = [];
      let parts: RequestParts = request ?? { trigger: 'http', body: Buffer.alloc(0) };
      if (request) {
        // The body is copied into a buffer of its own and moved: the caller's bytes stay usable.
        const body = new Uint8Array(request.body);
        transfer.push(body.buffer);
        parts = { ...request, body: body as Buffer };
      }
      this.worker.postMessage({ op: 'run', run: id, request: parts } satisfies ToScript, transfer);
    });
  }

  private receive(m: FromScript): void {
    const run = this.runs.get(m.run);
    if (!run) return;
    if (m.op === 'done') {
      this.runs.delete(m.run);
      if (this.runs.size === 0) this.worker.unref();
      if (m.ok) run.resolve({ value: m.value, response: m.response });
      else run.reject(fromWire(m.error));
      return;
    }
    void this.serve(run.context, m.request).then(
      ({ value, transfer }) =>
        this.worker.postMessage({ op: 'reply', call: m.call, ok: true, value } satisfies ToScript, transfer),
      (e: unknown) =>
        this.worker.postMessage({
          op: 'reply',
          call: m.call,
          ok: false,
          error: toWire(e),
        } satisfies ToScript),
    );
  }

  private async serve(
    context: EntryContext,
    req: ScriptCall,
  ): Promise<{ value: unknown; transfer: ArrayBuffer[] }> {
    if (req.kind === 'infer') {
      // The inputs came from the script's thread and are this call's alone: the pool may move them on.
      markSole(Object.values(req.inputs));
      const moved = movableTensors(await context.infer(req.session, req.inputs));
      return { value: moved.tensors, transfer: moved.transfer };
    }
    if (req.kind === 'cache-get') return { value: await context.cache.get(req.key), transfer: [] };
    await context.cache.set(req.key, req.value);
    return { value: undefined, transfer: [] };
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.worker.terminate();
  }
}

/**
 * The threads that run one version's entry script, so that the script's own work (image decoding,
 * contours, crops, decoding outputs) never blocks the host's event loop, as the model runs it asks for do
 * not either. `init` runs once in each thread (as Azure ML runs it once in each worker process).
 */
export class ScriptThreads {
  private readonly threads: ScriptThread[] = [];
  private closed = false;

  private constructor(
    private readonly data: ScriptThreadData,
    private readonly initContext: () => EntryContext,
    private readonly size: number,
  ) {}

  /** Starts `size` threads and runs init in each; rejects with the reason when a script cannot start. */
  static async start(
    version: ModelVersion,
    size: number,
    initContext: () => EntryContext,
  ): Promise<ScriptThreads> {
    const data: ScriptThreadData = { scriptPath: version.entry!.scriptPath, ...entryModelInfo(version) };
    const host = new ScriptThreads(data, initContext, size);
    try {
      await Promise.all(Array.from({ length: size }, () => host.spawn()));
    } catch (e) {
      await host.close();
      throw e;
    }
    return host;
  }

  private async spawn(): Promise<void> {
    const thread = new ScriptThread(this.data, (t) => this.onExit(t));
    this.threads.push(thread);
    try {
      await thread.start(0, undefined, this.initContext());
    } catch (e) {
      this.threads.splice(this.threads.indexOf(thread), 1);
      void thread.close();
      throw new Error(`init() of ${this.data.scriptPath} failed: ${(e as Error).message}`, { cause: e });
    }
  }

  private onExit(thread: ScriptThread): void {
    const i = this.threads.indexOf(thread);
    if (i >= 0) this.threads.splice(i, 1);
    if (this.closed || thread.closing) return;
    // A thread that died (an uncaught error in the script, say) is replaced; its runs failed as transient.
    void this.spawn().catch(() => undefined);
  }

  /** One request through `run`, in the least busy thread; infer and cache calls are served by `context`. */
  async run(request: RequestParts, context: EntryContext): Promise<ScriptAnswer> {
    if (this.closed) throw new ScoringError('UNAVAILABLE', 'the host is shutting down');
    let best: ScriptThread | undefined;
    for (const t of this.threads) if (!best || t.load < best.load) best = t;
    if (!best) throw new ScoringError('UNAVAILABLE', `no thread can run ${this.data.scriptPath} now; retry`);
    try {
      return await best.start('next', request, context);
    } catch (e) {
      throw toScoringError(e);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.threads.map((t) => t.close()));
  }
}
