import type { CacheLookup, InProcessStore, RowCache } from './row-cache.js';

export interface MemoryLruOptions {
  /** Upper bound on the estimated bytes held (keys, rows and per-entry overhead). */
  maxBytes: number;
  /** Entries older than this are misses, as in Redis with EX. */
  ttlSeconds: number;
  /** Milliseconds clock; injectable for TTL tests. Default Date.now. */
  now?: () => number;
}

/** A list node as well as the Map's value: the list gives O(1) eviction and O(1) moves to the front. */
interface Entry {
  key: string;
  /** The row's bytes as a one-byte (Latin-1) string: a third of the memory of a Uint8Array copy. */
  value: string;
  expiresAt: number;
  bytes: number;
  /** Towards the most recently used end (undefined at the head). */
  newer: Entry | undefined;
  /** Towards the least recently used end (undefined at the tail). */
  older: Entry | undefined;
}

/**
 * Memory of one entry beyond its key's characters and its row's bytes, measured rather than guessed
 * (test/support/lru-memory-probe.ts after full GCs, Node 20 x64: 153–182 bytes, the most just after the
 * Map's table doubles or under churn): the Map slot, the list node with its boxed expiry time, and the
 * headers of the key and value strings. Rounded up, since an estimate below the real cost would let the
 * cache outgrow CACHE_L1_BYTES; test/cache/backends/memory-lru-scale.test.ts checks the budget in real memory.
 */
export const ENTRY_OVERHEAD_BYTES = 216;

/** Estimated memory of one entry. Keys are ASCII (model names, hex digests): one byte per character in V8. */
export function entryBytes(key: string, value: Uint8Array): number {
  return key.length + value.byteLength + ENTRY_OVERHEAD_BYTES;
}

/**
 * In-process LRU bounded in bytes, used alone (CACHE_MODE=memory) or as the L1 in front of Redis.
 *
 * A Map finds entries; a doubly linked list through them keeps the recency order, so a hit moves its entry
 * to the front and eviction drops the tail, both O(1). (Evicting "the Map's first key" instead looked O(1)
 * but is not: V8 leaves deleted Map slots in place until the table is rebuilt, and finding the first live
 * entry skips them all — 50k inserts took 9.5 s instead of 95 ms after 600k.) Expired entries are dropped
 * when met (on lookup or at the tail); the byte bound holds either way.
 * Rows are copied in and out so a caller mutating its array cannot corrupt the cache.
 */
export class MemoryLruCache implements RowCache {
  readonly kind = 'memory' as const;
  readonly maxBytes: number;
  readonly ttlMs: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();
  #newest: Entry | undefined;
  #oldest: Entry | undefined;
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

  /** Itself: the whole cache is in this process. */
  get inProcess(): InProcessStore {
    return this;
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
      this.#delete(entry);
      return undefined;
    }
    if (expectedBytes !== undefined && entry.value.length !== expectedBytes) return undefined;
    this.#unlink(entry);
    this.#pushNewest(entry);
    return Buffer.from(entry.value, 'latin1');
  }

  set(key: string, value: Uint8Array): void {
    const old = this.#entries.get(key);
    if (old) this.#delete(old);
    const bytes = entryBytes(key, value);
    // An entry bigger than the whole budget would evict everything and then itself: not worth it.
    if (bytes > this.maxBytes) return;
    const entry: Entry = {
      key,
      value: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('latin1'),
      expiresAt: this.#now() + this.ttlMs,
      bytes,
      newer: undefined,
      older: undefined,
    };
    this.#entries.set(key, entry);
    this.#pushNewest(entry);
    this.#bytes += bytes;
    while (this.#bytes > this.maxBytes && this.#oldest) this.#delete(this.#oldest);
  }

  has(key: string): boolean {
    const entry = this.#entries.get(key);
    return entry !== undefined && entry.expiresAt > this.#now();
  }

  clear(): void {
    this.#entries.clear();
    this.#newest = this.#oldest = undefined;
    this.#bytes = 0;
  }

  async close(): Promise<void> {
    this.clear();
  }

  #pushNewest(entry: Entry): void {
    entry.older = this.#newest;
    entry.newer = undefined;
    if (this.#newest) this.#newest.newer = entry;
    this.#newest = entry;
    this.#oldest ??= entry;
  }

  #unlink(entry: Entry): void {
    if (entry.newer) entry.newer.older = entry.older;
    else this.#newest = entry.older;
    if (entry.older) entry.older.newer = entry.newer;
    else this.#oldest = entry.newer;
    entry.newer = entry.older = undefined;
  }

  #delete(entry: Entry): void {
    this.#entries.delete(entry.key);
    this.#unlink(entry);
    this.#bytes -= entry.bytes;
  }
}
