import { metrics } from '../../metrics.js';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the breaker. Default 5. */
  failureThreshold?: number;
  /** How long the breaker stays open before letting one probe through. Default 2000 ms. */
  coolDownMs?: number;
  /** Monotonic milliseconds; injectable so tests need no real waiting. */
  now?: () => number;
  /** Where "open or probing" is reported as 1, "closed" as 0. Default the modelfn_cache_breaker_open gauge. */
  gauge?: { set(value: number): void };
}

/** Thrown by `execute` when the breaker refuses a call. */
export class CircuitOpenError extends Error {
  constructor() {
    super('circuit breaker open');
    this.name = 'CircuitOpenError';
  }
}

/** The right to make one call; report its outcome exactly once. */
export interface BreakerPermit {
  success(): void;
  failure(): void;
}

/**
 * closed → open after `failureThreshold` consecutive failures → half-open once `coolDownMs` has passed, where
 * exactly one probe call goes through → closed if it succeeds, open again (new cool-down) if it fails.
 *
 * Open → half-open is computed lazily from the clock when a call arrives, so the breaker needs no timers.
 * Each permit remembers the state generation it was issued in: calls started before the breaker opened
 * that finish late must not close it (a stale success) or restart its cool-down (a stale failure).
 */
export class CircuitBreaker {
  readonly failureThreshold: number;
  readonly coolDownMs: number;
  readonly #now: () => number;
  readonly #gauge: { set(value: number): void };
  #state: BreakerState = 'closed';
  #generation = 0;
  #failures = 0;
  #openedAt = 0;
  /** When the current half-open probe was let through, or undefined when none is in flight. */
  #probeStartedAt: number | undefined;

  constructor(options: CircuitBreakerOptions = {}) {
    this.failureThreshold = options.failureThreshold ?? 5;
    this.coolDownMs = options.coolDownMs ?? 2000;
    this.#now = options.now ?? (() => performance.now());
    this.#gauge = options.gauge ?? metrics.cacheBreakerOpen;
    if (!(this.failureThreshold >= 1)) throw new RangeError('failureThreshold must be >= 1');
    if (!(this.coolDownMs >= 0)) throw new RangeError('coolDownMs must be >= 0');
    this.#gauge.set(0);
  }

  get state(): BreakerState {
    if (this.#state === 'open' && this.#now() - this.#openedAt >= this.coolDownMs) {
      this.#transition('half-open');
    }
    return this.#state;
  }

  /** A permit when the call may go ahead, undefined when the breaker says skip it. */
  acquire(): BreakerPermit | undefined {
    const state = this.state;
    if (state === 'open') return undefined;
    if (state === 'half-open') {
      // A probe is normally settled by its own timeout; one that never reported (a caller bug) is presumed
      // lost after a cool-down so the breaker cannot stay half-open forever.
      if (this.#probeStartedAt !== undefined && this.#now() - this.#probeStartedAt < this.coolDownMs) {
        return undefined;
      }
      this.#probeStartedAt = this.#now();
    }
    return this.#permit(this.#generation);
  }

  /** Runs `fn` under the breaker; rejects with CircuitOpenError without calling it when refused. */
  async execute<T>(fn: () => Promise<T>): Promise<T> {
    const permit = this.acquire();
    if (!permit) throw new CircuitOpenError();
    try {
      const value = await fn();
      permit.success();
      return value;
    } catch (err) {
      permit.failure();
      throw err;
    }
  }

  #permit(generation: number): BreakerPermit {
    return new Permit(this, generation);
  }

  /** A permit's outcome, applied once (Permit enforces that) and only within the generation it was issued in. */
  settle(generation: number, ok: boolean): void {
    if (generation !== this.#generation) return;
    if (ok) {
      if (this.#state === 'half-open') this.#transition('closed');
      else this.#failures = 0;
    } else if (this.#state === 'half-open') {
      this.#transition('open');
    } else if (this.#state === 'closed' && ++this.#failures >= this.failureThreshold) {
      this.#transition('open');
    }
  }

  #transition(to: BreakerState): void {
    this.#state = to;
    this.#generation++;
    this.#failures = 0;
    this.#probeStartedAt = undefined;
    if (to === 'open') this.#openedAt = this.#now();
    this.#gauge.set(to === 'closed' ? 0 : 1);
  }
}

/** One call's permit: a small object rather than two closures, since every cache call takes one. */
class Permit implements BreakerPermit {
  #used = false;
  constructor(
    private readonly breaker: CircuitBreaker,
    private readonly generation: number,
  ) {}
  success(): void {
    if (this.#used) return;
    this.#used = true;
    this.breaker.settle(this.generation, true);
  }
  failure(): void {
    if (this.#used) return;
    this.#used = true;
    this.breaker.settle(this.generation, false);
  }
}
