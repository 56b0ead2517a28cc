/**
 * When a scorer makes its cache's deferred connection (Redis, see DeferredConnection): on the turn after
 * its first request settles, or when its models settle before any request came — whichever is first, and
 * once. A cold instance started by a request so answers it without first spending the Redis client's
 * start; an instance that loads with no traffic has its cache connected by the time it is asked.
 */
export class CacheOpening {
  #pending = true;

  constructor(private readonly open: () => void) {}

  /** Passes a request's promise through; the first one's settling opens the cache a turn later. */
  after<T>(request: Promise<T>): Promise<T> {
    if (this.#pending) {
      this.#pending = false;
      // setImmediate: the answer's own continuations (writing it out) run before the client is made.
      const later = () => void setImmediate(this.open);
      request.then(later, later);
    }
    return request;
  }

  /** Opens now unless a request came first (or it was opened or cancelled). */
  now(): void {
    if (!this.#pending) return;
    this.#pending = false;
    this.open();
  }

  /** Never opens (the scorer is closing). */
  cancel(): void {
    this.#pending = false;
  }
}
