import { isIP } from 'node:net';
import { redisCredential, type TokenCredential } from '@modelfn/identity';
import type { RedisClientOptions, RedisClusterOptions } from '@redis/client';
import type { Settings } from '../../settings.js';
import { entraIdCredentialsProvider } from './redis-entra.js';

/** The part of Settings that says where Redis is and how to log in. */
export type RedisSettings = Pick<Settings, 'redisUrl' | 'redisUsername' | 'redisPassword' | 'redisCluster'> &
  Partial<Pick<Settings, 'redisCredential' | 'redisClientId'>>;

/** Connection behaviour; defaults suit a cache that must never hold a request up. */
export interface RedisConnectionTuning {
  /** TCP + TLS handshake budget per connection attempt. Default 3000 ms. */
  connectTimeoutMs?: number;
  /** Cap of the exponential reconnect backoff (50 ms, 100 ms, … up to this, for ever). Default 2000 ms. */
  reconnectMaxDelayMs?: number;
  /**
   * PING period on an idle connection, 0 for none. Default 60 s: Azure Cache for Redis drops connections
   * idle for 10 minutes, and a silent drop otherwise surfaces only as failed lookups.
   */
  pingIntervalMs?: number;
  /** Bound on commands queued in the client while Redis is slow, so a stall cannot grow memory. Default 10000. */
  commandsQueueMaxLength?: number;
  /** Sign in with this credential's Entra ID tokens instead of what REDIS_CREDENTIAL says (tests). */
  credential?: TokenCredential;
  /** Token requests and re-authentications that failed (the connection keeps its current sign-in). */
  onAuthError?: (err: Error) => void;
}

export type RedisConnectionOptions =
  { mode: 'standalone'; options: RedisClientOptions } | { mode: 'cluster'; options: RedisClusterOptions };

export interface RedisEndpoint {
  host: string;
  port: number;
  tls: boolean;
  username?: string;
  password?: string;
  database?: number;
}

/**
 * Accepts `redis://[user[:password]@]host[:port][/db]`, `rediss://…` (TLS), and the StackExchange.Redis
 * string the Azure portal shows (`name.redis.cache.windows.net:6380,password=…,ssl=True,abortConnect=False`)
 * so either can be pasted into REDIS_URL.
 */
export function parseRedisUrl(raw: string): RedisEndpoint {
  const text = raw.trim();
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return parseStackExchange(text);
  const url = new URL(text);
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new TypeError(`REDIS_URL must start with redis:// or rediss://, got ${url.protocol}//`);
  }
  const endpoint: RedisEndpoint = {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : 6379,
    tls: url.protocol === 'rediss:',
  };
  if (url.username) endpoint.username = decodeURIComponent(url.username);
  if (url.password) endpoint.password = decodeURIComponent(url.password);
  if (url.pathname.length > 1) {
    const database = Number(url.pathname.slice(1));
    if (!Number.isInteger(database) || database < 0)
      throw new TypeError(`invalid database in REDIS_URL: ${url.pathname}`);
    endpoint.database = database;
  }
  if (!endpoint.host) throw new TypeError('REDIS_URL has no host');
  return endpoint;
}

function parseStackExchange(text: string): RedisEndpoint {
  const [address, ...pairs] = text.split(',').map((part) => part.trim());
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(address ?? '');
  if (!match) throw new TypeError('REDIS_URL is neither a redis:// URL nor host:port[,password=…,ssl=True]');
  const endpoint: RedisEndpoint = {
    host: match[1].replace(/^\[(.*)\]$/, '$1'),
    port: match[2] ? Number(match[2]) : 6379,
    tls: false,
  };
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq < 0) continue;
    const name = pair.slice(0, eq).trim().toLowerCase();
    // Passwords (Azure access keys) may contain '=' themselves: only the first one separates.
    const value = pair.slice(eq + 1).trim();
    if (name === 'password') endpoint.password = value;
    else if (name === 'user') endpoint.username = value;
    else if (name === 'ssl') endpoint.tls = value.toLowerCase() === 'true';
  }
  return endpoint;
}

/** Bytes a Redis socket buffers before node-redis waits for 'drain' (see redisClientOptions). */
export const SOCKET_HIGH_WATER_MARK = 1024 * 1024;

/** Exponential backoff with jitter, capped and never giving up: a cache should come back on its own. */
export function reconnectDelay(retries: number, maxDelayMs: number): number {
  const delay = Math.min(50 * 2 ** Math.min(retries, 20), maxDelayMs);
  // Jitter below the cap spreads the reconnects of many instances after a Redis restart.
  return Math.max(1, Math.round(delay * (0.8 + 0.2 * Math.random())));
}

/**
 * node-redis options for the settings, without connecting (so TLS, ACL and cluster set-up are testable).
 *
 * The URL is parsed here rather than passed as `url`, because node-redis lets credentials found in the URL
 * overwrite explicit username/password; here REDIS_USERNAME / REDIS_PASSWORD win over the URL, each on its
 * own. An Azure access key is a password with no username (AUTH <key>, the `default` user).
 * TLS (`rediss://` or `ssl=True`) sets SNI `servername` to the configured host name; in cluster mode the
 * same name is used for every node, which matches the wildcard certificate of a managed cluster whose
 * nodes advertise IP addresses.
 */
export function redisClientOptions(
  settings: RedisSettings,
  tuning: RedisConnectionTuning = {},
): RedisConnectionOptions {
  if (!settings.redisUrl) throw new Error('REDIS_URL is required when CACHE_MODE=redis');
  const endpoint = parseRedisUrl(settings.redisUrl);
  const username = settings.redisUsername ?? endpoint.username;
  const password = settings.redisPassword ?? endpoint.password;
  const credential =
    tuning.credential ??
    (settings.redisCredential
      ? redisCredential(settings.redisCredential, settings.redisClientId)
      : undefined);
  if (credential && password !== undefined) {
    throw new Error(
      'Redis: REDIS_CREDENTIAL (Entra ID) and a password (REDIS_PASSWORD or in REDIS_URL) exclude each other',
    );
  }
  const maxDelay = tuning.reconnectMaxDelayMs ?? 2000;
  const common = {
    connectTimeout: tuning.connectTimeoutMs ?? 3000,
    reconnectStrategy: (retries: number) => reconnectDelay(retries, maxDelay),
    // node-redis writes its queued commands once per turn of the event loop and stops at the socket's
    // high-water mark (16 KiB, ~140 GETs), leaving the rest for the next turn after 'drain'. On a loop
    // busy with a burst of requests, each turn is long, so lookups waited several turns in our own queue
    // and timed out against a healthy Redis. 1 MiB holds the whole bounded queue (commandsQueueMaxLength).
    highWaterMark: SOCKET_HIGH_WATER_MARK,
  };
  const socket = endpoint.tls
    ? {
        ...common,
        tls: true as const,
        // RFC 6066 forbids an IP address as SNI name (Node warns), so only a DNS name is sent.
        ...(isIP(endpoint.host) === 0 ? { servername: endpoint.host } : {}),
      }
    : { ...common, tls: false as const };
  const client = {
    ...(credential
      ? {
          credentialsProvider: entraIdCredentialsProvider(credential, username, (err) =>
            tuning.onAuthError?.(err),
          ),
        }
      : {
          ...(username !== undefined ? { username } : {}),
          ...(password !== undefined ? { password } : {}),
        }),
    // Without this, commands issued while disconnected wait in memory until Redis is back, and every
    // request would hang until its timeout instead of failing fast.
    disableOfflineQueue: true,
    commandsQueueMaxLength: tuning.commandsQueueMaxLength ?? 10_000,
    ...(tuning.pingIntervalMs !== 0 ? { pingInterval: tuning.pingIntervalMs ?? 60_000 } : {}),
  };

  if (settings.redisCluster) {
    // Cluster nodes only have database 0, so a /db in the URL is ignored.
    return {
      mode: 'cluster',
      options: {
        rootNodes: [{ socket: { host: endpoint.host, port: endpoint.port } }],
        defaults: { ...client, socket },
      },
    };
  }
  return {
    mode: 'standalone',
    options: {
      ...client,
      ...(endpoint.database ? { database: endpoint.database } : {}),
      socket: { ...socket, host: endpoint.host, port: endpoint.port },
    },
  };
}
