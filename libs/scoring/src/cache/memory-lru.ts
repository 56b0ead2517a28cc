import type { CacheLookup, RowCache } from './row-cache.js';

export interface MemoryLruOptions {
  /** Upper bound on the estimated bytes held (keys, rows and per-entry overhead). */
  maxBytes: number;
  /** Entries older than this are misses, as in Redis with EX. */
  ttlSeconds: number;
  /** Milliseconds clock; injectable for TTL tests. Default Date.now. */
  now?: () => number;
}

interface Entry {
  value: Uint8Array;
  expiresAt: number;
  bytes: number;
}

/**
 * Rough cost of one Map entry beyond its key and row: the Map slot, the entry object and the typed array
 * header. Over-estimating keeps the process under the configured budget.
 */
export const ENTRY_OVERHEAD_BYTES = 160;

/** Estimated memory of one entry: keys are UTF-16 strings in V8 at worst, values their bytes. */
export function entryBytes(key: string, value: Uint8Array): number {
  return key.length * 2 + value.byteLength + ENTRY_OVERHEAD_BYTES;
}

/**
 * In-process LRU bounded in bytes, used alone (CACHE_MODE=memory) or as the L1 in front of Redis.
 *
 * A Map iterates in insertion order, so re-inserting an entry on every hit keeps the least recently used
 * one first and eviction is "delete the first key" — O(1) with no linked list to maintain. Expired entries
 * are dropped when met (on lookup or at the eviction end); the byte bound holds either way.
 * Rows are copied in and out so a caller mutating its array cannot corrupt the cache.
 */
export class MemoryLruCache implements RowCache {
  readonly kind = 'memory' as const;
  readonly maxBytes: number;
  readonly ttlMs: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();
  #bytes = 0;

  constructor(options: MemoryLruOptions) {
    if (!(options.maxBytes > 0)) throw new RangeError('maxBytes must be > 0');
    if (!(options.ttlSeconds > 0)) throw new RangeError('ttlSeconds must be > 0');
    this.maxBytes = options.maxBytes;
    this.ttlMs = options.ttlSeconds * 1000;
    this.#now = options.now ?? Date.now;
  }

  /** Estimated bytes currently held. */
  get bytes(): number {
    return this.#bytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** `expectedBytes`, when given, turns values of another size into misses. */
  async getMany(keys: string[], expectedBytes?: number): Promise<CacheLookup> {
    return { values: keys.map((key) => this.get(key, expectedBytes)), available: true };
  }

  async setMany(entries: { key: string; value: Uint8Array }[]): Promise<void> {
    for (const { key, value } of entries) this.set(key, value);
  }

  get(key: string, expectedBytes?: number): Uint8Array | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#delete(key, entry);
      return undefined;
    }
    if (expectedBytes !== undefined && entry.value.length !== expectedBytes) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value.slice();
  }

  set(key: string, value: Uint8Array): void {
    const old = this.#entries.get(key);
    if (old) this.#delete(key, old);
    const bytes = entryBytes(key, value);
    // An entry bigger than the whole budget would evict everything and then itself: not worth it.
    if (bytes > this.maxBytes) return;
    this.#entries.set(key, { value: value.slice(), expiresAt: this.#now() + this.ttlMs, bytes });
    this.#bytes += bytes;
    while (this.#bytes > this.maxBytes) {
      const oldest = this.#entries.entries().next();
      if (oldest.done) break;
      this.#delete(oldest.value[0], oldest.value[1]);
    }
  }

  has(key: string): boolean {
    const entry = this.#entries.get(key);
    return entry !== undefined && entry.expiresAt > this.#now();
  }

  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }

  async close(): Promise<void> {
    this.clear();
  }

  #delete(key: string, entry: Entry): void {
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
  }
}
