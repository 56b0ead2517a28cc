import { createRowCache, type CacheSettings } from './backends/create-row-cache.js';
import type { RedisRowCacheConnectOptions } from './backends/redis-cache.js';
import type { RowCache } from './backends/row-cache.js';
import { bodyMemoFor, type BodyMemo } from './body-memo.js';
import { inputStoreFor, type InputStore } from './input-store.js';
import { ResultCache } from './result-cache.js';

/**
 * The cache as the rest of the core sees it, made once per scorer over one backend (off, memory, Redis, or
 * an LRU in front of Redis): each user takes its part and never asks which backend it is.
 */
export interface ScoringCache {
  /** Cache-aside per row for the pipeline: keys from `rowKeys`, values from `encodeRowValue`. */
  readonly rows: RowCache;
  /** Entry scripts' own JSON results (`context.cache`). */
  readonly results: ResultCache;
  /** Inputs sent by reference (`data_key`). */
  readonly inputs: InputStore;
  /** Whole request bodies → rows, when the backend has an in-process LRU; else undefined. */
  readonly bodies: BodyMemo | undefined;
  /** Makes the backend's connection when it was deferred (`openLater`); once, never throws. */
  open(): void;
  close(): Promise<void>;
}

/** The face over a row cache (tests pass their own backend). */
export function scoringCache(rows: RowCache): ScoringCache {
  return {
    rows,
    results: new ResultCache(rows),
    inputs: inputStoreFor(rows),
    bodies: bodyMemoFor(rows),
    open: () => rows.open?.(),
    close: () => rows.close(),
  };
}

/**
 * The cache for the settings (CACHE_MODE, REDIS_URL, CACHE_L1_BYTES…). Resolves at once even when Redis is
 * down (it connects in the background); rejects only when the settings are unusable.
 */
export async function createScoringCache(
  settings: CacheSettings,
  options: RedisRowCacheConnectOptions = {},
): Promise<ScoringCache> {
  return scoringCache(await createRowCache(settings, options));
}
