import { ScoringError } from '../errors.js';
import type { RowCache } from './backends/row-cache.js';

/**
 * Where inputs sent by reference live (`data_key`, the Azure doc's other use of Redis): a user's value
 * under a user's key, never a cached result. Throws UNAVAILABLE when the store cannot be asked.
 */
export interface InputStore {
  get(key: string): Promise<Buffer | undefined>;
}

/** The store over the cache's Redis connection, or one that explains why there is none. */
export function inputStoreFor(cache: RowCache): InputStore {
  if (cache.getRaw) return { get: (key) => cache.getRaw!(key) };
  return {
    get: async () => {
      throw new ScoringError(
        'UNAVAILABLE',
        `"data_key" needs the Redis cache (set REDIS_URL); CACHE_MODE is ${cache.kind}`,
      );
    },
  };
}
