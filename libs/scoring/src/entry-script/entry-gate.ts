import { ScoringError } from '../errors.js';
import { metrics } from '../metrics.js';

interface Waiting {
  bytes: number;
  /** On the gate's clock. */
  queuedAt: number;
  start: () => void;
  refuse: (e: ScoringError) => void;
}

export interface EntryGateLimits {
  /** Runs at once. */
  running: number;
  /** Requests, and bytes of their bodies, that may wait. */
  maxWaiting: number;
  maxBytes: number;
  /**
   * The longest a request waits for its run (MODEL_QUEUE_MAX_WAIT_MS): refused as soon as the runs predict
   * a longer wait, and at the latest once it has waited this long.
   */
  maxWaitMs?: number;
  /** The clock runs and waits are timed with, and its timer (a test gives its own). */
  now?: () => number;
  setTimer?: (ms: number, fire: () => void) => () => void;
}

/** A timer that does not keep the process alive; returns its cancel. */
function unrefTimer(ms: number, fire: () => void): () => void {
  const t = setTimeout(fire, ms);
  t.unref();
  return () => clearTimeout(t);
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
 *
 * A gate that has not timed a run yet (a host that just started) cannot predict, and admitted a first
 * burst whole (20 heavy pages on a cold host: p50 34 s, max 57 s, none refused). So the requests that
 * wait are checked again: each time a run ends, those whose whole wait (waited so far, plus what the runs
 * now predict at their place) would pass `maxWaitMs` are refused, as BentoML's dispatcher drops a request
 * its latency model says is late; and one that has waited `maxWaitMs` without starting is refused then,
 * as Triton's queue policy rejects a request past its timeout. A first burst is trimmed when its first
 * run ends, and no request waits longer than `maxWaitMs` however slow the runs turn out to be.
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
  private readonly setTimer: (ms: number, fire: () => void) => () => void;
  /** Cancels the timer set for the oldest waiting request's `maxWaitMs`. */
  private cancelTimer: (() => void) | undefined;

  constructor(
    private readonly model: string,
    limits: EntryGateLimits,
  ) {
    this.running = limits.running;
    this.maxWaiting = limits.maxWaiting;
    this.maxBytes = limits.maxBytes;
    this.maxWaitSeconds = (limits.maxWaitMs ?? Infinity) / 1000;
    this.now = limits.now ?? (() => performance.now());
    this.setTimer = limits.setTimer ?? unrefTimer;
  }

  /** Seconds a request arriving now would wait, as the runs so far predict it; 0 before any has ended. */
  expectedWaitSeconds(): number {
    return this.waitAt(this.waiting.length + 1);
  }

  /** Seconds until the request at `position` (1: next) in the queue starts, as the runs so far predict it. */
  private waitAt(position: number): number {
    if (this.meanRunSeconds === undefined) return 0;
    return Math.ceil(position / this.running) * this.meanRunSeconds;
  }

  private overloaded(why: string, retryAfterSeconds?: number): ScoringError {
    metrics.queueShed.inc({ model: this.model });
    return new ScoringError('OVERLOADED', `model "${this.model}" ${why}: retry later`, { retryAfterSeconds });
  }

  private tooLong(waitSeconds: number, why: string): ScoringError {
    return this.overloaded(
      `${why} (MODEL_QUEUE_MAX_WAIT_MS ${this.maxWaitSeconds * 1000})`,
      Math.min(60, Math.max(1, Math.ceil(waitSeconds))),
    );
  }

  /**
   * Refuses the waiting requests that have waited `maxWaitMs`, and, once a run has been timed, those whose
   * whole wait (waited so far, plus the predicted wait at their place once those refused ahead of them
   * have left) would pass it; the rest keep their order. Then sets the timer for the oldest that is left.
   */
  private review(): void {
    if (this.maxWaitSeconds === Infinity) return;
    const now = this.now();
    const kept: Waiting[] = [];
    for (const entry of this.waiting) {
      const waited = (now - entry.queuedAt) / 1000;
      const ahead = this.waitAt(kept.length + 1);
      if (waited < this.maxWaitSeconds && waited + ahead <= this.maxWaitSeconds) {
        kept.push(entry);
        continue;
      }
      this.waitingBytes -= entry.bytes;
      entry.refuse(
        this.meanRunSeconds === undefined
          ? // No run has ended in all that time: each in progress has taken at least as long.
            this.tooLong(
              this.maxWaitSeconds,
              `kept this request waiting ${Math.round(waited)} s for its entry script, no run having ended`,
            )
          : this.tooLong(
              ahead,
              `would keep this request waiting about ${Math.round(waited + ahead)} s for its entry script in all, ${Math.round(waited)} s of it waited`,
            ),
      );
    }
    if (kept.length < this.waiting.length) {
      this.waiting.splice(0, this.waiting.length, ...kept);
      metrics.queueRows.set({ model: this.model }, this.waiting.length);
    }
    this.armTimer();
  }

  private armTimer(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    const oldest = this.waiting[0];
    if (!oldest || this.maxWaitSeconds === Infinity) return;
    const due = oldest.queuedAt + this.maxWaitSeconds * 1000 - this.now();
    // A timer may fire a little early by the clock: review() then finds nothing due and sets it again.
    this.cancelTimer = this.setTimer(Math.max(0, due), () => {
      this.cancelTimer = undefined;
      this.review();
    });
  }

  /**
   * Runs `fn` once admitted. `signal` is the request's deadline: aborted while it waits, the request leaves
   * the queue with the signal's reason, so a model whose runs hang cannot keep a queue of requests that
   * nobody waits for any more (nor hold their triggers' invocations). `timed: false` for a call that is
   * not a run (the script's `respondAsync`, a page count): admitted and queued as one, but its time, a
   * small fraction of a run's, would pull the mean down and the predicted waits with it.
   */
  async run<T>(
    bodyBytes: number,
    fn: () => Promise<T>,
    signal?: AbortSignal,
    opts: { timed?: boolean } = {},
  ): Promise<T> {
    signal?.throwIfAborted();
    if (this.active >= this.running) {
      if (this.waiting.length >= this.maxWaiting || this.waitingBytes + bodyBytes > this.maxBytes) {
        throw this.overloaded(`has ${this.waiting.length} requests waiting for its entry script, its limit`);
      }
      const wait = this.expectedWaitSeconds();
      if (wait > this.maxWaitSeconds) {
        throw this.tooLong(
          wait,
          `would keep this request waiting about ${Math.round(wait)} s for its entry script`,
        );
      }
      await new Promise<void>((start, reject) => {
        const entry: Waiting = { bytes: bodyBytes, queuedAt: this.now(), start, refuse: reject };
        const leave = () => {
          const i = this.waiting.indexOf(entry);
          if (i < 0) return;
          this.waiting.splice(i, 1);
          this.waitingBytes -= bodyBytes;
          metrics.queueRows.set({ model: this.model }, this.waiting.length);
          if (i === 0) this.armTimer();
          reject(signal!.reason);
        };
        entry.start = () => {
          signal?.removeEventListener('abort', leave);
          start();
        };
        entry.refuse = (e) => {
          signal?.removeEventListener('abort', leave);
          reject(e);
        };
        signal?.addEventListener('abort', leave, { once: true });
        this.waiting.push(entry);
        this.waitingBytes += bodyBytes;
        metrics.queueRows.set({ model: this.model }, this.waiting.length);
        if (this.waiting.length === 1) this.armTimer();
      });
    }
    this.active++;
    const started = this.now();
    try {
      return await fn();
    } finally {
      this.active--;
      if (opts.timed ?? true) {
        const seconds = (this.now() - started) / 1000;
        this.meanRunSeconds =
          this.meanRunSeconds === undefined ? seconds : this.meanRunSeconds * 0.8 + seconds * 0.2;
      }
      const next = this.waiting.shift();
      if (next) {
        this.waitingBytes -= next.bytes;
        metrics.queueRows.set({ model: this.model }, this.waiting.length);
        metrics.queueWaitSeconds.observe({ model: this.model }, (this.now() - next.queuedAt) / 1000);
        next.start();
      }
      this.review();
    }
  }
}
