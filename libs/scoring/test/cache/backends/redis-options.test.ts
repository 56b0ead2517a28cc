import { describe, expect, it } from 'vitest';
import type { RedisClientOptions, RedisClusterOptions } from '@redis/client';
import {
  parseRedisUrl,
  reconnectDelay,
  redisClientOptions,
} from '../../../src/cache/backends/redis-options.js';

const base = { redisUsername: undefined, redisPassword: undefined, redisCluster: false };

function standalone(settings: Parameters<typeof redisClientOptions>[0]): RedisClientOptions {
  const config = redisClientOptions(settings);
  if (config.mode !== 'standalone') throw new Error('expected standalone');
  return config.options;
}

function cluster(settings: Parameters<typeof redisClientOptions>[0]): RedisClusterOptions {
  const config = redisClientOptions(settings);
  if (config.mode !== 'cluster') throw new Error('expected cluster');
  return config.options;
}

describe('redisClientOptions', () => {
  it('plain redis:// is TCP without TLS, fails fast offline and never stops reconnecting', () => {
    const options = standalone({ ...base, redisUrl: 'redis://localhost:6379' });
    expect(options.url).toBeUndefined();
    expect(options.disableOfflineQueue).toBe(true);
    expect(options.socket).toMatchObject({ host: 'localhost', port: 6379, tls: false, connectTimeout: 3000 });
    expect(options.username).toBeUndefined();
    expect(options.password).toBeUndefined();
    const strategy = options.socket?.reconnectStrategy;
    if (typeof strategy !== 'function') throw new Error('expected a reconnect function');
    for (const retries of [0, 1, 5, 50, 10_000]) {
      const delay = strategy(retries, new Error('down'));
      expect(typeof delay).toBe('number');
      expect(delay as number).toBeGreaterThan(0);
      expect(delay as number).toBeLessThanOrEqual(2000);
    }
  });

  it('rediss:// turns TLS on with SNI servername = host', () => {
    const options = standalone({ ...base, redisUrl: 'rediss://cache.example.net:6380' });
    expect(options.socket).toMatchObject({
      host: 'cache.example.net',
      port: 6380,
      tls: true,
      servername: 'cache.example.net',
    });
  });

  it('does not send an IP address as SNI name', () => {
    const options = standalone({ ...base, redisUrl: 'rediss://10.0.0.4:6380' });
    expect(options.socket).toMatchObject({ tls: true, host: '10.0.0.4' });
    expect(options.socket).not.toHaveProperty('servername');
  });

  it('takes ACL credentials from the URL, overridden by settings one by one', () => {
    const fromUrl = standalone({ ...base, redisUrl: 'redis://app:s%40cret@h:1/2' });
    expect(fromUrl).toMatchObject({ username: 'app', password: 's@cret', database: 2 });
    const overridden = standalone({
      ...base,
      redisUrl: 'redis://app:s%40cret@h:1',
      redisUsername: 'svc',
      redisPassword: 'other',
    });
    expect(overridden).toMatchObject({ username: 'svc', password: 'other' });
    const passwordOnly = standalone({ ...base, redisUrl: 'redis://app:old@h:1', redisPassword: 'new' });
    expect(passwordOnly).toMatchObject({ username: 'app', password: 'new' });
  });

  it('an Azure access key is a password with no username', () => {
    const options = standalone({
      ...base,
      redisUrl: 'rediss://myapp.redis.cache.windows.net:6380',
      redisPassword: 'KEY+/abc=',
    });
    expect(options.password).toBe('KEY+/abc=');
    expect(options).not.toHaveProperty('username');
    expect(options.socket).toMatchObject({
      tls: true,
      servername: 'myapp.redis.cache.windows.net',
      port: 6380,
    });
  });

  it('accepts the StackExchange.Redis string shown by the Azure portal', () => {
    const options = standalone({
      ...base,
      redisUrl: 'myapp.redis.cache.windows.net:6380,password=abc==,ssl=True,abortConnect=False',
    });
    expect(options.password).toBe('abc==');
    expect(options.socket).toMatchObject({ host: 'myapp.redis.cache.windows.net', port: 6380, tls: true });
  });

  it('cluster mode: one root node, shared defaults carry TLS, credentials and offline fail-fast', () => {
    const options = cluster({
      ...base,
      redisCluster: true,
      redisUrl: 'rediss://user:pw@cluster.example.net:10000/3',
    });
    expect(options.rootNodes).toEqual([{ socket: { host: 'cluster.example.net', port: 10000 } }]);
    expect(options.defaults).toMatchObject({ username: 'user', password: 'pw', disableOfflineQueue: true });
    expect(options.defaults?.socket).toMatchObject({ tls: true, servername: 'cluster.example.net' });
    expect(options.defaults).not.toHaveProperty('database');
  });

  it('tuning overrides timeouts and can turn pings off', () => {
    const config = redisClientOptions(
      { ...base, redisUrl: 'redis://h' },
      { connectTimeoutMs: 100, pingIntervalMs: 0, commandsQueueMaxLength: 5 },
    );
    expect(config.options).toMatchObject({ commandsQueueMaxLength: 5 });
    expect(config.options).not.toHaveProperty('pingInterval');
    expect(standalone({ ...base, redisUrl: 'redis://h' }).pingInterval).toBe(60_000);
  });

  it('rejects a missing or foreign URL', () => {
    expect(() => redisClientOptions({ ...base, redisUrl: undefined })).toThrow(/REDIS_URL is required/);
    expect(() => redisClientOptions({ ...base, redisUrl: 'http://h' })).toThrow(/redis:\/\//);
  });
});

describe('parseRedisUrl / reconnectDelay', () => {
  it('defaults the port and unwraps IPv6', () => {
    expect(parseRedisUrl('redis://[::1]')).toEqual({ host: '::1', port: 6379, tls: false });
  });

  it('backs off exponentially up to the cap', () => {
    expect(reconnectDelay(0, 2000)).toBeLessThanOrEqual(50);
    expect(reconnectDelay(3, 2000)).toBeGreaterThanOrEqual(320);
    expect(reconnectDelay(3, 2000)).toBeLessThanOrEqual(400);
    expect(reconnectDelay(1e9, 2000)).toBeLessThanOrEqual(2000);
    expect(reconnectDelay(1e9, 2000)).toBeGreaterThanOrEqual(1600);
  });
});
