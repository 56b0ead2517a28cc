import { DEFAULT_L1_BYTES, type Settings } from '../../settings.js';
import { MemoryLruCache } from './memory-lru.js';
import { OffCache } from './off-cache.js';
import { RedisRowCache, type RedisRowCacheConnectOptions } from './redis-cache.js';
import type { RowCache } from './row-cache.js';
import { TieredCache } from './tiered-cache.js';

/**
 * Size of the in-process cache when it is the only one (CACHE_MODE=memory) and CACHE_L1_BYTES is 0: the
 * L1's default size, one number for both.
 */
export const DEFAULT_MEMORY_CACHE_BYTES = DEFAULT_L1_BYTES;

export type CacheSettings = Pick<
  Settings,
  | 'cacheMode'
  | 'redisUrl'
  | 'redisUsername'
  | 'redisPassword'
  | 'redisCluster'
  | 'cacheTtlSeconds'
  | 'cacheL1Bytes'
  | 'cacheTimeoutMs'
>;

/**
 * The cache for the settings: off, in-process LRU, or Redis (with an LRU in front when CACHE_L1_BYTES > 0).
 * Resolves at once even when Redis is down (it connects in the background); rejects only when the
 * settings are unusable (CACHE_MODE=redis without a valid REDIS_URL).
 */
export async function createRowCache(
  settings: CacheSettings,
  options: RedisRowCacheConnectOptions = {},
): Promise<RowCache> {
  switch (settings.cacheMode) {
    case 'off':
      return new OffCache();
    case 'memory':
      return new MemoryLruCache({
        maxBytes: settings.cacheL1Bytes > 0 ? settings.cacheL1Bytes : DEFAULT_MEMORY_CACHE_BYTES,
        ttlSeconds: settings.cacheTtlSeconds,
      });
    case 'redis': {
      const redis = RedisRowCache.connect(settings, options);
      if (settings.cacheL1Bytes <= 0) return redis;
      return new TieredCache(
        new MemoryLruCache({ maxBytes: settings.cacheL1Bytes, ttlSeconds: settings.cacheTtlSeconds }),
        redis,
      );
    }
  }
}
