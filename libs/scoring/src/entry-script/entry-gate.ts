import { ScoringError } from '../errors.js';
import { metrics } from '../metrics.js';

interface Waiting {
  bytes: number;
  queuedAt: number;
  start: () => void;
}

export interface EntryGateLimits {
  /** Runs at once. */
  running: number;
  /** Requests, and bytes of their bodies, that may wait. */
  maxWaiting: number;
  maxBytes: number;
  /** The longest wait a request is admitted to, as the runs so far predict it (MODEL_QUEUE_MAX_WAIT_MS). */
  maxWaitMs?: number;
  /** The clock runs are timed with (a test gives its own). */
  now?: () => number;
}

/**
 * Admission for one version's entry script. A run allocates its working memory (a decoded page, the
 * detector's input...) before it reaches any model queue, so the model queues alone cannot bound memory:
 * at most `running` runs go at once (enough to keep the script's threads and the pool busy), later
 * requests wait as their raw bodies, and beyond `maxWaiting` requests or `maxBytes` of bodies they are
 * refused with OVERLOADED (503, Retry-After).
 *
 * A count alone let twenty OCR pages of a few seconds each queue for up to 86 s (p50 55 s): bounded in
 * number and memory, not in time. So a request is also refused when the wait the runs so far predict for
 * it (the mean run time, times the runs ahead of it per concurrent run) is longer than `maxWaitMs`, and
 * its Retry-After is that wait: a burst gets an answer at once, and a client knows when to come back.
 */
export class EntryGate {
  private active = 0;
  private readonly waiting: Waiting[] = [];
  private waitingBytes = 0;
  /** Exponentially weighted mean of a run's seconds; undefined until one has ended. */
  private meanRunSeconds: number | undefined;
  private readonly running: number;
  private readonly maxWaiting: number;
  private readonly maxBytes: number;
  private readonly maxWaitSeconds: number;
  private readonly now: () => number;

  constructor(
    private readonly model: string,
    limits: EntryGateLimits,
  ) {
    this.running = limits.running;
    this.maxWaiting = limits.maxWaiting;
    this.maxBytes = limits.maxBytes;
    this.maxWaitSeconds = (limits.maxWaitMs ?? Infinity) / 1000;
    this.now = limits.now ?? (() => performance.now());
  }

  /** Seconds a request arriving now would wait, as the runs so far predict it; 0 before any has ended. */
  expectedWaitSeconds(): number {
    if (this.meanRunSeconds === undefined) return 0;
    return Math.ceil((this.waiting.length + 1) / this.running) * this.meanRunSeconds;
  }

  private shed(why: string, retryAfterSeconds?: number): never {
    metrics.queueShed.inc({ model: this.model });
    throw new ScoringError('OVERLOADED', `model "${this.model}" ${why}: retry later`, { retryAfterSeconds });
  }

  /**
   * Runs `fn` once admitted. `signal` is the request's deadline: aborted while it waits, the request leaves
   * the queue with the signal's reason, so a model whose runs hang cannot keep a queue of requests that
   * nobody waits for any more (nor hold their triggers' invocations).
   */
  async run<T>(bodyBytes: number, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    if (this.active >= this.running) {
      if (this.waiting.length >= this.maxWaiting || this.waitingBytes + bodyBytes > this.maxBytes) {
        this.shed(`has ${this.waiting.length} requests waiting for its entry script, its limit`);
      }
      const wait = this.expectedWaitSeconds();
      if (wait > this.maxWaitSeconds) {
        this.shed(
          `would keep this request waiting about ${Math.round(wait)} s for its entry script (MODEL_QUEUE_MAX_WAIT_MS ${this.maxWaitSeconds * 1000})`,
          Math.min(60, Math.max(1, Math.ceil(wait))),
        );
      }
      await new Promise<void>((start, reject) => {
        const entry: Waiting = { bytes: bodyBytes, queuedAt: performance.now(), start };
        const leave = () => {
          const i = this.waiting.indexOf(entry);
          if (i < 0) return;
          this.waiting.splice(i, 1);
          this.waitingBytes -= bodyBytes;
          metrics.queueRows.set({ model: this.model }, this.waiting.length);
          reject(signal!.reason);
        };
        entry.start = () => {
          signal?.removeEventListener('abort', leave);
          start();
        };
        signal?.addEventListener('abort', leave, { once: true });
        this.waiting.push(entry);
        this.waitingBytes += bodyBytes;
        metrics.queueRows.set({ model: this.model }, this.waiting.length);
      });
    }
    this.active++;
    const started = this.now();
    try {
      return await fn();
    } finally {
      this.active--;
      const seconds = (this.now() - started) / 1000;
      this.meanRunSeconds =
        this.meanRunSeconds === undefined ? seconds : this.meanRunSeconds * 0.8 + seconds * 0.2;
      const next = this.waiting.shift();
      if (next) {
        this.waitingBytes -= next.bytes;
        metrics.queueRows.set({ model: this.model }, this.waiting.length);
        metrics.queueWaitSeconds.observe({ model: this.model }, (performance.now() - next.queuedAt) / 1000);
        next.start();
      }
    }
  }
}
