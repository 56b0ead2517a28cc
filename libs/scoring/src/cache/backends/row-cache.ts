/**
 * What the scoring path needs from a result cache: rows in, rows out, by key. Every implementation must
 * never throw from these methods: a cache failure is a miss (get) or a dropped write (set), counted in
 * metrics, so scoring goes on without the cache.
 */
export type CacheStatus = 'hit' | 'miss' | 'partial' | 'bypass';

export interface CacheLookup {
  /** One entry per key: the cached output row, or undefined for a miss. */
  values: (Uint8Array | undefined)[];
  /** False when the cache could not be asked (off, breaker open, timeout, error): the caller reports bypass. */
  available: boolean;
}

/** An in-process byte store, read and written synchronously (no await on the hot path). */
export interface InProcessStore {
  get(key: string, expectedBytes?: number): Uint8Array | undefined;
  set(key: string, value: Uint8Array): void;
}

export interface RowCache {
  readonly kind: 'redis' | 'memory' | 'off';
  /**
   * The in-process LRU this cache holds, when it has one (CACHE_MODE=memory, or the L1 of CACHE_L1_BYTES in
   * front of Redis): the body memo keeps whole bodies there, never in Redis. Asked as a capability, so a new
   * backend with an LRU of its own gets the memo without anyone checking its class.
   */
  readonly inProcess?: InProcessStore;
  /** `expectedBytes`, when given, turns values of another size into misses. */
  getMany(keys: string[], expectedBytes?: number): Promise<CacheLookup>;
  /** Fire-and-forget from the caller's point of view; resolves when the write is done or given up. */
  setMany(entries: { key: string; value: Uint8Array }[]): Promise<void>;
  /**
   * For inputs by reference (`data_key`): the raw value stored under a user's key, or undefined when there
   * is none. Throws ScoringError UNAVAILABLE when the store cannot be asked (a transient failure).
   */
  getRaw?(key: string): Promise<Buffer | undefined>;
  /** Makes a connection deferred at creation (Redis with `openLater`); at most once, never throws. */
  open?(): void;
  close(): Promise<void>;
}
