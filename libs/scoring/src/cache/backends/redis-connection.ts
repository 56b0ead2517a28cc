import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createClient,
  createCluster,
  RESP_TYPES,
  type RedisClientOptions,
  type RedisClusterOptions,
} from '@redis/client';
import { reconnectDelay, type RedisConnectionOptions } from './redis-options.js';

/**
 * The few commands the cache needs, the same for one server and for a cluster, with values as Buffers.
 * Methods reject on any failure; deciding what a failure means (miss, dropped write) is the cache's job.
 */
export interface RedisConnection {
  readonly mode: 'standalone' | 'cluster';
  /** True while commands can be sent (connected, handshake done). */
  readonly isReady: boolean;
  /** Resolves true once ready, or false after `timeoutMs` (or on close) without ever rejecting. */
  whenReady(timeoutMs: number): Promise<boolean>;
  mget(keys: string[]): Promise<(Buffer | null)[]>;
  get(key: string): Promise<Buffer | null>;
  /** SET key value EX ttl for every entry, pipelined. */
  setEx(entries: readonly { key: string; value: Buffer }[], ttlSeconds: number): Promise<void>;
  /** Makes a connection that was deferred (DeferredConnection); absent on one made at once. */
  open?(): void;
  /** Closes gracefully within `graceMs`, then forcibly; never rejects. */
  close(graceMs?: number): Promise<void>;
}

export type RedisErrorListener = (err: Error) => void;

/**
 * Opens a connection in the background and returns at once.
 *
 * Connecting never blocks the caller and never gives up: the first connection attempt and every reconnect
 * after a drop follow the options' reconnect strategy (capped backoff, for ever) in the background. Until
 * the connection is ready, commands reject immediately (offline queue disabled) — the cache reports them
 * as unavailable — and once it is, they work with no action from the caller.
 *
 * Every 'error' event is passed to `onError`: node-redis emits one per failed (re)connect attempt, and
 * an EventEmitter 'error' with no listener would crash the process.
 */
export function openRedisConnection(
  config: RedisConnectionOptions,
  onError: RedisErrorListener,
  reconnectMaxDelayMs = 2000,
): RedisConnection {
  return config.mode === 'cluster'
    ? new ClusterConnection(config.options, onError, reconnectMaxDelayMs)
    : new StandaloneConnection(config.options, onError);
}

const BUFFERS = { [RESP_TYPES.BLOB_STRING]: Buffer } as const;

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

function typedClient(options: RedisClientOptions) {
  const base = createClient(options);
  return { base, buffers: base.withTypeMapping(BUFFERS) };
}

function typedCluster(options: RedisClusterOptions) {
  const base = createCluster(options);
  return { base, buffers: base.withTypeMapping(BUFFERS) };
}

/** Waits for `event` on `emitter` for at most `timeoutMs`, without leaving a listener or timer behind. */
function waitFor(emitter: EventEmitter, event: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      emitter.off(event, onEvent);
      emitter.off('closed', onClosed);
      resolve(ok);
    };
    const onEvent = () => done(true);
    const onClosed = () => done(false);
    const timer = setTimeout(() => done(false), timeoutMs);
    emitter.on(event, onEvent);
    emitter.on('closed', onClosed);
  });
}

class StandaloneConnection implements RedisConnection {
  readonly mode = 'standalone' as const;
  readonly #client: ReturnType<typeof typedClient>;
  readonly #events = new EventEmitter();
  #closed = false;

  constructor(options: RedisClientOptions, onError: RedisErrorListener) {
    this.#client = typedClient(options);
    this.#events.setMaxListeners(0);
    const { base } = this.#client;
    base.on('error', (err: unknown) => onError(toError(err)));
    base.on('ready', () => this.#events.emit('ready'));
    // With a reconnect strategy that never gives up, connect() settles only once connected (or closed);
    // not awaiting it is what keeps startup from blocking on Redis.
    base.connect().catch((err: unknown) => {
      if (!this.#closed) onError(toError(err));
    });
  }

  get isReady(): boolean {
    return !this.#closed && this.#client.base.isReady;
  }

  whenReady(timeoutMs: number): Promise<boolean> {
    if (this.isReady) return Promise.resolve(true);
    if (this.#closed) return Promise.resolve(false);
    return waitFor(this.#events, 'ready', timeoutMs);
  }

  async mget(keys: string[]): Promise<(Buffer | null)[]> {
    return this.#client.buffers.mGet(keys);
  }

  async get(key: string): Promise<Buffer | null> {
    return this.#client.buffers.get(key);
  }

  async setEx(entries: readonly { key: string; value: Buffer }[], ttlSeconds: number): Promise<void> {
    if (entries.length === 0) return;
    // Fail fast while reconnecting, as single commands do with the offline queue disabled.
    if (!this.isReady) throw new Error('Redis connection not ready');
    // Plain SETs issued together go out in one write (node-redis pipelines a tick's commands); a MULTI
    // pipeline object per request cost more than the commands themselves.
    const expiration = { expiration: { type: 'EX', value: ttlSeconds } } as const;
    await Promise.all(entries.map(({ key, value }) => this.#client.buffers.set(key, value, expiration)));
  }

  async close(graceMs = 1000): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#events.emit('closed');
    const { base } = this.#client;
    if (!base.isOpen) return;
    if (!base.isReady) {
      // Still (re)connecting: nothing to flush, and close() would wait for a connection that may never come.
      base.destroy();
      return;
    }
    // close() waits for replies still due, which a hung server never sends: bounded, then destroy.
    const timer = setTimeout(() => {
      if (base.isOpen) base.destroy();
    }, graceMs);
    try {
      await base.close();
    } catch {
      if (base.isOpen) base.destroy();
    } finally {
      clearTimeout(timer);
    }
  }
}

class ClusterConnection implements RedisConnection {
  readonly mode = 'cluster' as const;
  readonly #cluster: ReturnType<typeof typedCluster>;
  readonly #events = new EventEmitter();
  readonly #stop = new AbortController();
  #connected = false;
  #closed = false;

  constructor(options: RedisClusterOptions, onError: RedisErrorListener, reconnectMaxDelayMs: number) {
    this.#cluster = typedCluster(options);
    this.#events.setMaxListeners(0);
    const { base } = this.#cluster;
    base.on('error', (err: unknown) => onError(toError(err)));
    base.on('node-error', (err: unknown) => onError(toError(err)));
    void this.#connectLoop(onError, reconnectMaxDelayMs);
  }

  /**
   * Unlike a single client, RedisCluster.connect() gives up (RootNodesUnavailableError) when no root node
   * answers, so the first connection is retried here with the same capped backoff. Once the slot map is
   * known, each node's client reconnects by itself and MOVED/ASK trigger rediscovery.
   */
  async #connectLoop(onError: RedisErrorListener, maxDelayMs: number): Promise<void> {
    for (let attempt = 0; !this.#closed; attempt++) {
      try {
        await this.#cluster.base.connect();
        if (this.#closed) {
          // close() ran while the discovery was creating node clients: those must not keep reconnecting.
          this.#cluster.base.destroy();
          return;
        }
        this.#connected = true;
        this.#events.emit('ready');
        return;
      } catch (err) {
        if (this.#closed) return;
        onError(toError(err));
        try {
          await sleep(reconnectDelay(attempt, maxDelayMs), undefined, { signal: this.#stop.signal });
        } catch {
          return;
        }
      }
    }
  }

  get isReady(): boolean {
    return !this.#closed && this.#connected && this.#cluster.base.isOpen;
  }

  whenReady(timeoutMs: number): Promise<boolean> {
    if (this.isReady) return Promise.resolve(true);
    if (this.#closed) return Promise.resolve(false);
    return waitFor(this.#events, 'ready', timeoutMs);
  }

  /** MGET across hash slots fails with CROSSSLOT, so one GET per key; node-redis pipelines them per node. */
  async mget(keys: string[]): Promise<(Buffer | null)[]> {
    return Promise.all(keys.map((key) => this.#cluster.buffers.get(key)));
  }

  async get(key: string): Promise<Buffer | null> {
    return this.#cluster.buffers.get(key);
  }

  async setEx(entries: readonly { key: string; value: Buffer }[], ttlSeconds: number): Promise<void> {
    // A cluster MULTI is bound to one node, so the SETs go out one per key (pipelined per node as above).
    await Promise.all(
      entries.map(({ key, value }) =>
        this.#cluster.buffers.set(key, value, { expiration: { type: 'EX', value: ttlSeconds } }),
      ),
    );
  }

  async close(graceMs = 1000): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stop.abort();
    this.#events.emit('closed');
    const { base } = this.#cluster;
    if (!this.#connected) {
      base.destroy();
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const forced = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        base.destroy();
        resolve();
      }, graceMs);
    });
    try {
      await Promise.race([base.close(), forced]);
    } catch {
      base.destroy();
    } finally {
      clearTimeout(timer);
    }
  }
}
