import { ScoringError } from '../../errors.js';
import { metrics } from '../../metrics.js';
import { CircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker.js';
import { DeferredConnection } from './deferred-connection.js';
import { openRedisConnection, type RedisConnection } from './redis-connection.js';
import { redisClientOptions, type RedisConnectionTuning, type RedisSettings } from './redis-options.js';
import type { CacheLookup, RowCache } from './row-cache.js';
import { decodeRow, encodeRow } from '../rows/row-codec.js';
import type { Settings } from '../../settings.js';
import { withTimeout } from './with-timeout.js';

export { redisClientOptions } from './redis-options.js';

/** Label values of modelfn_cache_errors_total{operation} recorded here. */
export type CacheOperation = 'get' | 'set' | 'get_raw' | 'connection';

export interface RedisRowCacheOptions {
  /** EX of every SET. */
  ttlSeconds: number;
  /** Budget of one getMany / setMany, after which it counts as failed. */
  timeoutMs: number;
  /**
   * Budget of getRaw. Default max(timeoutMs, 1000): inputs by reference can be whole images, and the
   * request cannot go on without them, so waiting longer than for an optional lookup is worth it.
   */
  rawTimeoutMs?: number;
  /** A breaker instance, or options for a new one (threshold 5, cool-down 2 s by default). */
  breaker?: CircuitBreaker | CircuitBreakerOptions;
  /** Called with every failure (already counted in metrics), e.g. to log it. Must not throw. */
  onError?: (err: Error, operation: CacheOperation) => void;
}

export type RedisRowCacheConnectOptions = Partial<RedisRowCacheOptions> &
  RedisConnectionTuning & {
    /** Make the connection on `open()`, not now (see DeferredConnection). Default false. */
    openLater?: boolean;
  };

type Outcome<T> = { ok: true; value: T } | { ok: false };

/**
 * Result cache on Redis (one server, or a cluster with REDIS_CLUSTER=true). Nothing here throws or waits
 * long: each call goes through a circuit breaker and a timeout, so with Redis down, slow or restarting a
 * lookup costs at most `timeoutMs` (usually nothing: the breaker answers "unavailable" at once), and
 * failures are counted in modelfn_cache_errors_total. Evicted or expired entries are plain misses.
 */
export class RedisRowCache implements RowCache {
  readonly kind = 'redis' as const;
  readonly breaker: CircuitBreaker;
  readonly ttlSeconds: number;
  readonly timeoutMs: number;
  readonly rawTimeoutMs: number;
  readonly #connection: RedisConnection;
  readonly #onError: ((err: Error, operation: CacheOperation) => void) | undefined;

  constructor(connection: RedisConnection, options: RedisRowCacheOptions) {
    this.#connection = connection;
    this.ttlSeconds = options.ttlSeconds;
    this.timeoutMs = options.timeoutMs;
    this.rawTimeoutMs = options.rawTimeoutMs ?? Math.max(options.timeoutMs, 1000);
    this.breaker =
      options.breaker instanceof CircuitBreaker ? options.breaker : new CircuitBreaker(options.breaker);
    this.#onError = options.onError;
  }

  /**
   * Returns at once with a usable cache, whether or not Redis is reachable: the connection is made, and
   * remade after any drop, in the background (see openRedisConnection). Until it is up, getMany answers
   * `available: false` and setMany drops writes; `whenReady()` lets a caller wait if it wants to.
   * Throws only on configuration errors (no or malformed REDIS_URL).
   */
  static connect(
    settings: RedisSettings & Partial<Pick<Settings, 'cacheTtlSeconds' | 'cacheTimeoutMs'>>,
    options: RedisRowCacheConnectOptions = {},
  ): RedisRowCache {
    const onError = options.onError;
    const connectionError = (err: Error) => {
      metrics.cacheErrors.inc({ operation: 'connection' });
      onError?.(err, 'connection');
    };
    // A failed token refresh counts as a connection error: the cache keeps working until the old token ends.
    const config = redisClientOptions(settings, { onAuthError: connectionError, ...options });
    const connection = options.openLater
      ? new DeferredConnection(
          config.mode,
          (onError) => openRedisConnection(config, onError, options.reconnectMaxDelayMs),
          connectionError,
          (options.connectTimeoutMs ?? 3000) + 1000,
        )
      : openRedisConnection(config, connectionError, options.reconnectMaxDelayMs);
    return new RedisRowCache(connection, {
      ...options,
      ttlSeconds: options.ttlSeconds ?? settings.cacheTtlSeconds ?? 3600,
      timeoutMs: options.timeoutMs ?? settings.cacheTimeoutMs ?? 50,
    });
  }

  get mode(): 'standalone' | 'cluster' {
    return this.#connection.mode;
  }

  /** True while connected; the breaker may still be open for a moment after a reconnect. */
  get isReady(): boolean {
    return this.#connection.isReady;
  }

  /** Resolves true once connected, false after `timeoutMs`; never rejects. */
  whenReady(timeoutMs: number): Promise<boolean> {
    return this.#connection.whenReady(timeoutMs);
  }

  /**
   * One MGET (one GET per key in cluster mode). Empty values, or values not `expectedBytes` long when
   * given, are misses, like evicted ones.
   */
  async getMany(keys: string[], expectedBytes?: number): Promise<CacheLookup> {
    if (keys.length === 0) return { values: [], available: true };
    const reply = await this.#guarded('get', this.timeoutMs, () => this.#connection.mget(keys));
    if (!reply.ok)
      return { values: new Array<Uint8Array | undefined>(keys.length).fill(undefined), available: false };
    return {
      values: keys.map((_, i) => {
        const bytes = reply.value[i];
        if (!bytes || bytes.length === 0) return undefined;
        return decodeRow(bytes, expectedBytes);
      }),
      available: true,
    };
  }

  /** One pipeline of SET … EX ttl; a failure is counted and otherwise ignored. */
  async setMany(entries: { key: string; value: Uint8Array }[]): Promise<void> {
    if (entries.length === 0) return;
    const encoded = entries.map(({ key, value }) => ({ key, value: encodeRow(value) }));
    await this.#guarded('set', this.timeoutMs, () => this.#connection.setEx(encoded, this.ttlSeconds));
  }

  /** The bytes a user stored under `key`, or undefined when absent or Redis could not be asked. */
  /** Unlike a cached row, a referenced input cannot be recomputed: Redis being down is an error here. */
  async getRaw(key: string): Promise<Buffer | undefined> {
    const reply = await this.#guarded('get_raw', this.rawTimeoutMs, () => this.#connection.get(key));
    if (!reply.ok)
      throw new ScoringError(
        'UNAVAILABLE',
        `Redis is unavailable, so "data_key" ${key} cannot be read; retry later`,
      );
    return reply.value ?? undefined;
  }

  /** Makes the connection of a cache connected with `openLater`; nothing otherwise, or once made. */
  open(): void {
    this.#connection.open?.();
  }

  async close(): Promise<void> {
    await this.#connection.close();
  }

  async #guarded<T>(operation: CacheOperation, timeoutMs: number, fn: () => Promise<T>): Promise<Outcome<T>> {
    const permit = this.breaker.acquire();
    // Calls refused by the open breaker are not errors: the gauge already says the cache is bypassed.
    if (!permit) return { ok: false };
    try {
      const value = await withTimeout(fn(), timeoutMs, `redis ${operation}`);
      permit.success();
      return { ok: true, value };
    } catch (err) {
      permit.failure();
      metrics.cacheErrors.inc({ operation });
      this.#onError?.(err instanceof Error ? err : new Error(String(err)), operation);
      return { ok: false };
    }
  }
}
