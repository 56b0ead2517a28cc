export type { CacheLookup, CacheStatus, RowCache } from './row-cache.js';
export { decodeRow, encodeRow } from './row-codec.js';
export {
  CircuitBreaker,
  CircuitOpenError,
  type BreakerPermit,
  type BreakerState,
  type CircuitBreakerOptions,
} from './circuit-breaker.js';
export { TimeoutError, withTimeout } from './with-timeout.js';
export { ENTRY_OVERHEAD_BYTES, MemoryLruCache, entryBytes, type MemoryLruOptions } from './memory-lru.js';
export { OffCache } from './off-cache.js';
export {
  parseRedisUrl,
  reconnectDelay,
  redisClientOptions,
  type RedisConnectionOptions,
  type RedisConnectionTuning,
  type RedisEndpoint,
  type RedisSettings,
} from './redis-options.js';
export { openRedisConnection, type RedisConnection, type RedisErrorListener } from './redis-connection.js';
export {
  RedisRowCache,
  type CacheOperation,
  type RedisRowCacheConnectOptions,
  type RedisRowCacheOptions,
} from './redis-cache.js';
export { TieredCache, type L2Cache } from './tiered-cache.js';
export { DEFAULT_MEMORY_CACHE_BYTES, createRowCache, type CacheSettings } from './create-cache.js';
