import { ScoringError } from '../errors.js';
import { metrics } from '../metrics.js';

interface Waiting {
  bytes: number;
  queuedAt: number;
  start: () => void;
}

/**
 * Admission for one version's entry script. A run allocates its working memory (a decoded page, the
 * detector's input...) before it reaches any model queue, so the model queues alone cannot bound memory:
 * at most `running` runs go at once (enough to keep the script's threads and the pool busy), later
 * requests wait as their raw bodies, and beyond `maxWaiting` requests or `maxBytes` of bodies they are
 * refused with OVERLOADED (503, Retry-After).
 */
export class EntryGate {
  private active = 0;
  private readonly waiting: Waiting[] = [];
  private waitingBytes = 0;

  constructor(
    private readonly model: string,
    private readonly running: number,
    private readonly maxWaiting: number,
    private readonly maxBytes: number,
  ) {}

  /**
   * Runs `fn` once admitted. `signal` is the request's deadline: aborted while it waits, the request leaves
   * the queue with the signal's reason, so a model whose runs hang cannot keep a queue of requests that
   * nobody waits for any more (nor hold their triggers' invocations).
   */
  async run<T>(bodyBytes: number, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    if (this.active >= this.running) {
      if (this.waiting.length >= this.maxWaiting || this.waitingBytes + bodyBytes > this.maxBytes) {
        metrics.queueShed.inc({ model: this.model });
        throw new ScoringError(
          'OVERLOADED',
          `model "${this.model}" has ${this.waiting.length} requests waiting for its entry script, its limit: retry later`,
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
    try {
      return await fn();
    } finally {
      this.active--;
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
