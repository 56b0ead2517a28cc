import { ScoringError } from '../errors.js';

/**
 * Memory for image decodes in flight, shared by every decode in the process: a decode reserves what its
 * header says it can take before sharp allocates anything, waits in a FIFO queue when the budget is spent,
 * and beyond `maxQueued` waiting decodes is refused with OVERLOADED (503 + Retry-After) — so forty 16 MP
 * images at once cost the budget, not forty times their size.
 */
export class DecodeBudget {
  #inFlight = 0;
  #peak = 0;
  readonly #waiting: { bytes: number; admit: () => void }[] = [];

  constructor(
    readonly maxBytes: number,
    readonly maxQueued: number,
  ) {
    if (!(maxBytes > 0)) throw new RangeError('maxBytes must be > 0');
    if (!(maxQueued >= 0)) throw new RangeError('maxQueued must be >= 0');
  }

  /** Bytes reserved now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Most bytes ever reserved at once. */
  get peak(): number {
    return this.#peak;
  }

  get queued(): number {
    return this.#waiting.length;
  }

  /**
   * Resolves with the release function once `bytes` fit. Waiters are admitted in arrival order, so a large
   * image is not starved by a stream of small ones. `bytes` over the whole budget is the caller's to refuse.
   */
  async reserve(bytes: number): Promise<() => void> {
    if (bytes > this.maxBytes) throw new RangeError(`${bytes} bytes exceed the whole budget`);
    if (this.#waiting.length === 0 && this.#inFlight + bytes <= this.maxBytes) {
      this.#take(bytes);
    } else {
      if (this.#waiting.length >= this.maxQueued) {
        throw new ScoringError(
          'OVERLOADED',
          `${this.#waiting.length} image decodes are already waiting for memory ` +
            `(IMAGE_DECODE_MEMORY_BYTES=${this.maxBytes}, IMAGE_DECODE_QUEUE=${this.maxQueued}); retry shortly`,
        );
      }
      await new Promise<void>((admit) => this.#waiting.push({ bytes, admit }));
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#inFlight -= bytes;
      this.#admit();
    };
  }

  #take(bytes: number): void {
    this.#inFlight += bytes;
    this.#peak = Math.max(this.#peak, this.#inFlight);
  }

  #admit(): void {
    while (this.#waiting.length > 0 && this.#inFlight + this.#waiting[0].bytes <= this.maxBytes) {
      const next = this.#waiting.shift()!;
      this.#take(next.bytes);
      next.admit();
    }
  }
}

const budgets = new Map<string, DecodeBudget>();

/** The process-wide budget for these settings (one per distinct configuration, in practice one). */
export function decodeBudget(maxBytes: number, maxQueued: number): DecodeBudget {
  const key = `${maxBytes}/${maxQueued}`;
  let budget = budgets.get(key);
  if (!budget) budgets.set(key, (budget = new DecodeBudget(maxBytes, maxQueued)));
  return budget;
}
