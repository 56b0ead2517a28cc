import { ScoringError } from '../errors.js';
import { metrics } from '../metrics.js';
import type { Tensor } from '../tensor/tensor.js';
import { movable } from './ownership.js';
import { PoolThread, type RunReply } from './pool-thread.js';
import type { SessionSpec } from './worker-protocol.js';

interface Job {
  key: string;
  inputs: Tensor[];
  fetch?: string[];
  resolve: (r: RunReply) => void;
  reject: (e: unknown) => void;
  /** Threads that died while running it: it is run again on another, once. */
  attempts: number;
}

/**
 * Worker threads that own onnxruntime sessions, so that model runs leave the host's event loop. Every
 * thread loads every registered session, so any idle thread can take the oldest job. A thread that dies is
 * replaced (its job is run again elsewhere, once); `recycle()` replaces threads without dropping work.
 */
export class InferencePool {
  private readonly threads: PoolThread[] = [];
  private readonly specs = new Map<string, SessionSpec>();
  private queue: Job[] = [];
  private head = 0;
  private closed = false;
  private failedStarts = 0;
  private lastStartError = '';
  /** Threads started since the pool began (replacements included). */
  started = 0;

  constructor(
    readonly size: number,
    /** A thread is replaced after this many runs (0: never), as gunicorn's max_requests bounds leaks. */
    private readonly maxRunsPerThread = 0,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`an inference pool needs at least one thread`);
  }

  /** Jobs waiting for a thread. */
  get waiting(): number {
    return this.queue.length - this.head;
  }

  get busy(): number {
    return this.threads.filter((t) => t.busy).length;
  }

  /** Loads a session in every thread (starting them on first use); runs may use it once this resolves. */
  async register(spec: SessionSpec): Promise<void> {
    if (this.closed) throw new Error('the inference pool is closed');
    const existing = this.threads.filter((t) => !t.exited);
    this.specs.set(spec.key, spec);
    const fresh = this.topUp();
    try {
      await Promise.all([...existing.map((t) => t.load(spec)), ...fresh]);
    } catch (e) {
      this.unregister(spec.key);
      throw e;
    }
  }

  unregister(key: string): void {
    this.specs.delete(key);
    for (const t of this.threads) t.unload(key);
  }

  /** `fetch`: the outputs to fetch when not every served one (a selection). */
  run(key: string, inputs: Tensor[], fetch?: string[]): Promise<RunReply> {
    if (this.closed) return Promise.reject(new ScoringError('UNAVAILABLE', 'the host is shutting down'));
    if (!this.specs.has(key)) return Promise.reject(new Error(`session ${key} is not in the inference pool`));
    if (this.failedStarts >= 3 && this.threads.length === 0)
      return Promise.reject(
        new ScoringError('UNAVAILABLE', `inference threads cannot start: ${this.lastStartError}`),
      );
    return new Promise((resolve, reject) => {
      this.queue.push({ key, inputs, fetch, resolve, reject, attempts: 0 });
      this.pump();
    });
  }

  /** Replaces every thread by a fresh one; jobs keep flowing and none is lost. */
  async recycle(): Promise<void> {
    const old = this.threads.filter((t) => !t.draining && !t.exited);
    for (const t of old) {
      await this.spawn();
      void t.terminate();
    }
  }

  /** A fresh thread first, then the old one ends once its run is done: capacity never drops. */
  private replace(thread: PoolThread): void {
    thread.draining = true;
    void this.spawn()
      .catch(() => undefined)
      .finally(() => void thread.terminate());
  }

  async close(): Promise<void> {
    this.closed = true;
    this.failQueued('the host is shutting down');
    // A busy thread ends when its run does (see PoolThread.terminate).
    await Promise.all(this.threads.map((t) => t.terminate()));
  }

  /** Starts a thread; it takes jobs once it has every session, so no job waits on a load. */
  private spawn(): Promise<void> {
    const thread = new PoolThread((t, error) => this.onExit(t, error));
    this.started++;
    metrics.poolThreadsStarted.inc();
    this.threads.push(thread);
    return Promise.all([...this.specs.values()].map((s) => thread.load(s))).then(
      () => {
        thread.ready = true;
        this.failedStarts = 0;
        this.pump();
      },
      (e: unknown) => {
        this.failedStarts++;
        this.lastStartError = e instanceof Error ? e.message : String(e);
        this.threads.splice(this.threads.indexOf(thread), 1);
        void thread.terminate();
        throw e;
      },
    );
  }

  private onExit(thread: PoolThread, error: Error | undefined): void {
    const i = this.threads.indexOf(thread);
    if (i < 0) return;
    this.threads.splice(i, 1);
    if (error) this.lastStartError = error.message;
    this.topUp();
  }

  /** Starts threads until the pool has its size again; returns when the new ones are ready. */
  private topUp(): Promise<void>[] {
    if (this.closed) return [];
    if (this.failedStarts >= 3) {
      // Threads cannot even load sessions that loaded before (out of memory, say): fail fast, not hang.
      if (this.threads.length === 0)
        this.failQueued(`inference threads cannot start: ${this.lastStartError}`);
      return [];
    }
    const fresh: Promise<void>[] = [];
    while (this.threads.filter((t) => !t.draining).length < this.size) {
      const started = this.spawn();
      started.catch(() => undefined);
      fresh.push(started);
    }
    return fresh;
  }

  private failQueued(message: string): void {
    for (let i = this.head; i < this.queue.length; i++)
      this.queue[i].reject(new ScoringError('UNAVAILABLE', message));
    this.queue = [];
    this.head = 0;
  }

  private pump(): void {
    for (const thread of this.threads) {
      if (this.head >= this.queue.length) break;
      if (!thread.ready || thread.busy || thread.draining || thread.exited) continue;
      const job = this.queue[this.head++];
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      this.start(thread, job);
    }
  }

  private start(thread: PoolThread, job: Job): void {
    thread.busy = true;
    const { tensors: inputs, transfer } = movable(job.inputs);
    thread
      .run(job.key, inputs, transfer, job.fetch)
      .then(
        (reply) => {
          job.resolve(reply);
          if (this.maxRunsPerThread > 0 && thread.runs >= this.maxRunsPerThread && !thread.draining)
            this.replace(thread);
        },
        (e: unknown) => {
          if ((e as { threadStopped?: boolean }).threadStopped && job.attempts === 0 && !this.closed) {
            job.attempts++;
            this.queue.splice(this.head, 0, job);
          } else job.reject(e);
        },
      )
      .finally(() => {
        thread.busy = false;
        this.pump();
      });
  }
}
