import type { MemoryLruCache } from './memory-lru.js';
import type { CacheLookup, InProcessStore, RowCache } from './row-cache.js';

/** A second-level cache that, like RedisRowCache, can check row lengths and read raw values. */
export interface L2Cache extends RowCache {
  getMany(keys: string[], expectedBytes?: number): Promise<CacheLookup>;
}

/**
 * An in-process LRU (L1) in front of Redis (L2): hot rows skip the network entirely, and only the L1
 * misses go to Redis in one MGET.
 *
 * A row enters L1 on its second sighting: written rows go to Redis only, and a row read back from Redis is
 * copied into L1. A stream of rows never asked for twice (cache misses) then leaves L1 alone instead of
 * filling it and evicting on every write, whose churn and heap cost misses a fifth of their throughput
 * (docs/benchmarks.md); a row asked for again is in memory from its second request on.
 *
 * `available` is false only when no row could be answered from either level: L1 hits are real cache hits
 * even while Redis is down, so then the remaining rows are reported as misses.
 */
export class TieredCache implements RowCache {
  readonly kind: RowCache['kind'];

  constructor(
    readonly l1: MemoryLruCache,
    readonly l2: L2Cache,
  ) {
    this.kind = l2.kind;
  }

  /** The L1. */
  get inProcess(): InProcessStore {
    return this.l1;
  }

  async getMany(keys: string[], expectedBytes?: number): Promise<CacheLookup> {
    const values = keys.map((key) => this.l1.get(key, expectedBytes));
    const missing: number[] = [];
    for (let i = 0; i < values.length; i++) if (values[i] === undefined) missing.push(i);
    if (missing.length === 0) return { values, available: true };

    const lookup = await this.l2.getMany(
      missing.map((i) => keys[i]),
      expectedBytes,
    );
    missing.forEach((index, j) => {
      const value = lookup.values[j];
      if (value === undefined) return;
      values[index] = value;
      this.l1.set(keys[index], value);
    });
    return { values, available: lookup.available || missing.length < keys.length };
  }

  async setMany(entries: { key: string; value: Uint8Array }[]): Promise<void> {
    await this.l2.setMany(entries);
  }

  /** Straight to L2: a user's value may be overwritten at any time, so it is never kept in L1. */
  async getRaw(key: string): Promise<Buffer | undefined> {
    return this.l2.getRaw ? this.l2.getRaw(key) : undefined;
  }

  open(): void {
    this.l2.open?.();
  }

  async close(): Promise<void> {
    await Promise.all([this.l1.close(), this.l2.close()]);
  }
}
