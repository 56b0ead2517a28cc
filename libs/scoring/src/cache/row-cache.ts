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

export interface RowCache {
  readonly kind: 'redis' | 'memory' | 'off';
  /** `expectedBytes`, when given, turns values of another size into misses. */
  getMany(keys: string[], expectedBytes?: number): Promise<CacheLookup>;
  /** Fire-and-forget from the caller's point of view; resolves when the write is done or given up. */
  setMany(entries: { key: string; value: Uint8Array }[]): Promise<void>;
  /**
   * For inputs by reference (`data_key`): the raw value stored under a user's key, or undefined when there
   * is none. Throws ScoringError UNAVAILABLE when the store cannot be asked (a transient failure).
   */
  getRaw?(key: string): Promise<Buffer | undefined>;
  close(): Promise<void>;
}
