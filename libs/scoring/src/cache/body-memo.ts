import { hash } from 'node:crypto';
import type { InProcessStore, RowCache } from './backends/row-cache.js';
import { keyPrefix, type ModelIdentity } from './rows/key-prefix.js';

/**
 * Whole request bodies → their output rows, in the in-process LRU (the L1 of CACHE_L1_BYTES, or the cache of
 * CACHE_MODE=memory), as a first lookup before any parsing: a repeated `/score` body costs one sha256 of
 * its bytes instead of JSON parsing, a sha256 per row and a cache round trip.
 *
 * It sits beside the per-row cache, not instead of it: every scored body still goes through the row cache
 * (so rows are shared across bodies, formats and triggers), and only bodies whose rows came inline are kept
 * — a `data_key` body names a Redis value that can change. The key starts with the model's row-key prefix
 * (name, version, model file hash), so a body never finds another model version's answer. Entries are
 * never sent to Redis.
 */
export class BodyMemo {
  constructor(private readonly lru: InProcessStore) {}

  key(model: ModelIdentity, body: Uint8Array): string {
    // One-shot: no Hash object per request.
    return `${keyPrefix(model)}body:${hash('sha256', body, 'hex')}`;
  }

  /** The rows' cache values, back to back, stored for this key (each `rowBytes` long), or undefined. */
  get(key: string, rowBytes: number): Uint8Array | undefined {
    const v = this.lru.get(key);
    return v && v.length > 0 && v.length % rowBytes === 0 ? v : undefined;
  }

  set(key: string, rows: Uint8Array): void {
    this.lru.set(key, rows);
  }
}

/** The memo over the cache's in-process LRU, or undefined when there is none (Redis alone, or no cache). */
export function bodyMemoFor(cache: RowCache): BodyMemo | undefined {
  return cache.inProcess ? new BodyMemo(cache.inProcess) : undefined;
}
