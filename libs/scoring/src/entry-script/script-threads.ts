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
import { runDeadline, untilAborted } from './run-deadline.js';
import type { EntryCall, EntryContext } from './types.js';

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
  /** Terminated for a run past its deadline (the exit handler says so to the thread's other runs). */
  stuck = false;

  constructor(
    data: ScriptThreadData,
    onExit: (t: ScriptThread) => void,
    private readonly onStuck: (t: ScriptThread) => void,
  ) {
    this.worker = startWorker(new URL('./script-worker', import.meta.url), data);
    let error = '';
    this.worker.on('message', (m: FromScript) => this.receive(m));
    this.worker.on('error', (e) => (error = e.message));
    this.worker.on('exit', (code) => {
      const why = error || `exited with code ${code}`;
      for (const r of this.runs.values())
        r.reject(
          this.stuck
            ? // Cut by its model's timeout as much as the run that hung: the same TIMEOUT, so a trigger
              // settles it the same way (a Service Bus batch is not abandoned over one of these).
              new ScoringError(
                'TIMEOUT',
                `model "${data.model.name}": the entry script's thread was stopped when another run on it ` +
                  'timed out (config.json "timeout_ms"); retry',
              )
            : new ScoringError('UNAVAILABLE', `the entry script's thread stopped (${why}); retry`),
        );
      this.runs.clear();
      onExit(this);
    });
    this.worker.unref();
  }

  get load(): number {
    return this.runs.size;
  }

  /**
   * `run` 0 is init. `signal` is the run's deadline: when it aborts, the run fails with its reason and the
   * thread is terminated (its other runs fail as transient, and the pool replaces it): a run that never
   * settles, or a busy loop, cannot be stopped any other way, and must not keep the thread or a core.
   */
  start(
    run: 0 | 'next',
    request: RequestParts | undefined,
    context: EntryContext,
    signal?: AbortSignal,
    call: EntryCall = 'run',
  ): Promise<ScriptAnswer> {
    const id = run === 0 ? 0 : ++this.seq;
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      if (this.runs.size === 0) this.worker.ref();
      const stop = () => this.stopStuck(id, signal!.reason);
      signal?.addEventListener('abort', stop, { once: true });
      const settled = () => signal?.removeEventListener('abort', stop);
      this.runs.set(id, {
        context,
        resolve: (a) => (settled(), resolve(a)),
        reject: (e) => (settled(), reject(e)),
      });
      const transfer: ArrayBuffer[] = [];
      let parts: RequestParts = request ?? { trigger: 'http', body: Buffer.alloc(0) };
      if (request) {
        // The body is copied into a buffer of its own and moved: the caller's bytes stay usable.
        const body = new Uint8Array(request.body);
        transfer.push(body.buffer);
        parts = { ...request, body: body as Buffer };
      }
      this.worker.postMessage({ op: 'run', run: id, request: parts, call } satisfies ToScript, transfer);
    });
  }

  private stopStuck(id: number, reason: unknown): void {
    const run = this.runs.get(id);
    if (!run) return;
    this.runs.delete(id);
    run.reject(reason);
    this.stuck = true;
    // The pool stops giving it runs and starts its replacement now; the exit handler fails its other runs.
    this.onStuck(this);
    void this.worker.terminate();
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
  /** Threads whose init finished: the ones runs go to. */
  private readonly threads: ScriptThread[] = [];
  /** Threads still in init, with the promise of each init (a run waits for one when none is ready). */
  private readonly starting = new Map<ScriptThread, Promise<void>>();
  private closed = false;

  private constructor(
    private readonly data: ScriptThreadData,
    private readonly initContext: () => EntryContext,
    private readonly initTimeoutMs: number,
  ) {}

  /**
   * Starts `size` threads and runs init in each; rejects with the reason when a script cannot start,
   * including an init that has not finished within `initTimeoutMs` (its thread is terminated).
   */
  static async start(
    version: ModelVersion,
    size: number,
    initContext: () => EntryContext,
    initTimeoutMs: number,
  ): Promise<ScriptThreads> {
    const data: ScriptThreadData = { scriptPath: version.entry!.scriptPath, ...entryModelInfo(version) };
    const host = new ScriptThreads(data, initContext, initTimeoutMs);
    try {
      await Promise.all(Array.from({ length: size }, () => host.spawn()));
    } catch (e) {
      await host.close();
      throw e;
    }
    return host;
  }

  private spawn(): Promise<void> {
    const thread = new ScriptThread(
      this.data,
      (t) => this.onExit(t),
      (t) => this.onStuck(t),
    );
    const init = this.init(thread).finally(() => this.starting.delete(thread));
    this.starting.set(thread, init);
    return init;
  }

  private async init(thread: ScriptThread): Promise<void> {
    const ms = this.initTimeoutMs;
    const deadline = runDeadline(
      ms,
      () =>
        new Error(
          `did not finish within ${ms} ms (config.json "init_timeout_ms"); its thread was stopped. ` +
            'Make init() resolve, or raise init_timeout_ms if it is only slow',
        ),
    );
    try {
      await thread.start(0, undefined, this.initContext(), deadline.signal);
    } catch (e) {
      void thread.close();
      throw new Error(`init() of ${this.data.scriptPath} failed: ${(e as Error).message}`, { cause: e });
    } finally {
      deadline.clear();
    }
    if (this.closed) void thread.close();
    else this.threads.push(thread);
  }

  private onExit(thread: ScriptThread): void {
    const i = this.threads.indexOf(thread);
    if (i >= 0) this.threads.splice(i, 1);
    // A stuck thread's replacement started when it was stopped.
    if (this.closed || thread.closing || thread.stuck) return;
    // A thread that died (an uncaught error in the script, say) is replaced; its runs failed as transient.
    void this.spawn().catch(() => undefined);
  }

  /** A thread stopped for a run past its deadline: no more runs go to it, and its replacement starts now. */
  private onStuck(thread: ScriptThread): void {
    const i = this.threads.indexOf(thread);
    if (i >= 0) this.threads.splice(i, 1);
    if (!this.closed) void this.spawn().catch(() => undefined);
  }

  /**
   * One request through `run`, in the least busy thread; infer and cache calls are served by `context`.
   * `signal` is its deadline: past it, the run fails with the signal's reason and its thread is replaced.
   * When no thread is ready (every one was just replaced) it waits for one starting, within its deadline.
   */
  async run(
    request: RequestParts,
    context: EntryContext,
    signal?: AbortSignal,
    call: EntryCall = 'run',
  ): Promise<ScriptAnswer> {
    for (;;) {
      if (this.closed) throw new ScoringError('UNAVAILABLE', 'the host is shutting down');
      let best: ScriptThread | undefined;
      for (const t of this.threads) if (!best || t.load < best.load) best = t;
      if (best) {
        try {
          return await best.start('next', request, context, signal, call);
        } catch (e) {
          throw toScoringError(e);
        }
      }
      if (this.starting.size === 0)
        throw new ScoringError('UNAVAILABLE', `no thread can run ${this.data.scriptPath} now; retry`);
      const started = Promise.any(this.starting.values()).catch(() => undefined);
      await (signal ? Promise.race([started, untilAborted(signal)]) : started);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.threads, ...this.starting.keys()].map((t) => t.close()));
  }
}
