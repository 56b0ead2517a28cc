import type { RedisConnection, RedisErrorListener } from './redis-connection.js';

/** Makes the real connection; `onError` must see every connection error, the first attempt's included. */
export type ConnectionFactory = (onError: RedisErrorListener) => RedisConnection;

const NOT_OPENED = 'Redis connection not opened yet';

/**
 * A Redis connection made when `open()` is first called rather than when this is constructed.
 *
 * Making node-redis's client costs about 115 ms of CPU (it attaches its ~740 command methods, one by one,
 * to a new class), which a cold instance would otherwise spend before its first answer; the scorer opens
 * the connection once it has answered (CacheOpening, as createScorer sets it up).
 *
 * Before `open()`, commands reject at once, as while a connection is down. Between `open()` and the first
 * attempt's outcome (ready, or its first error), commands wait for that outcome instead of failing at
 * once: their caller's timeout still bounds them, and a request that comes just after the open finds the
 * cache it was about to have. After that, the connection behaves as an immediate one.
 */
export class DeferredConnection implements RedisConnection {
  #connection: RedisConnection | undefined;
  #firstAttempt: Promise<void> | undefined;
  #closed = false;
  readonly #opened: Promise<void>;
  #markOpened!: () => void;

  constructor(
    readonly mode: RedisConnection['mode'],
    private readonly factory: ConnectionFactory,
    private readonly onError: RedisErrorListener,
    /** Longest the first attempt can take before it errors by itself (the connect timeout and a margin). */
    private readonly firstAttemptMs: number,
  ) {
    this.#opened = new Promise((resolve) => (this.#markOpened = resolve));
  }

  /** Makes the connection (it connects in the background); later calls, and calls after close, do nothing. */
  open(): void {
    if (this.#connection || this.#closed) return;
    let settle!: () => void;
    const firstAttempt = new Promise<void>((resolve) => (settle = resolve));
    let connection: RedisConnection;
    try {
      connection = this.factory((err) => {
        settle();
        this.onError(err);
      });
    } catch (e) {
      // Called from a timer (CacheOpening): a throw here would end the process. Reported, never opened.
      this.#closed = true;
      this.#markOpened();
      this.onError(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    this.#firstAttempt = firstAttempt;
    this.#connection = connection;
    // Ready, closed, or no outcome in the time an attempt can take: no waiter is left behind.
    void connection.whenReady(this.firstAttemptMs).then(settle);
    void this.#firstAttempt.then(() => (this.#firstAttempt = undefined));
    this.#markOpened();
  }

  get isReady(): boolean {
    return this.#connection?.isReady ?? false;
  }

  async whenReady(timeoutMs: number): Promise<boolean> {
    if (this.#connection) return this.#connection.whenReady(timeoutMs);
    if (this.#closed) return false;
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const opened = await Promise.race([this.#opened.then(() => true), expired]);
    clearTimeout(timer);
    // Read again: open() may have made it while this waited.
    const connection = this.#connection as RedisConnection | undefined;
    if (!opened || !connection) return false;
    return connection.whenReady(Math.max(0, timeoutMs - (performance.now() - started)));
  }

  mget(keys: string[]): Promise<(Buffer | null)[]> {
    return this.#use((c) => c.mget(keys));
  }

  get(key: string): Promise<Buffer | null> {
    return this.#use((c) => c.get(key));
  }

  setEx(entries: readonly { key: string; value: Buffer }[], ttlSeconds: number): Promise<void> {
    return this.#use((c) => c.setEx(entries, ttlSeconds));
  }

  async close(graceMs?: number): Promise<void> {
    this.#closed = true;
    this.#markOpened();
    await this.#connection?.close(graceMs);
  }

  #use<T>(command: (c: RedisConnection) => Promise<T>): Promise<T> {
    const connection = this.#connection;
    if (!connection) return Promise.reject(new Error(NOT_OPENED));
    const first = this.#firstAttempt;
    return first ? first.then(() => command(connection)) : command(connection);
  }
}
