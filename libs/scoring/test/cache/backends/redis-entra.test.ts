// Microsoft Entra ID for Redis, with real tokens against a real redis-server: an ACL user named by the
// token's oid whose passwords are the tokens the credential issued (what Azure Cache's access policy
// assignment does), so the cache can only sign in, stay signed in and sign in again with live tokens.
import { setTimeout as sleep } from 'node:timers/promises';
import type { AccessToken, TokenCredential } from '@modelfn/identity';
import { SignedTokenCredential } from '@modelfn/identity/testing';
import { createClient } from '@redis/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisRowCache } from '../../../src/cache/backends/redis-cache.js';
import { TOKEN_REFRESH_RATIO } from '../../../src/cache/backends/redis-entra.js';
import { RedisServer, startRedisServer } from '../../support/redis-server.js';

const key = (name: string) => `modelfn:test:1:abcdef012345:${name}`;
const settings = (redisUrl: string) => ({
  redisUrl,
  redisUsername: undefined,
  redisPassword: undefined,
  redisCluster: false,
});

async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(25);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('Redis with Entra ID tokens (@redis/entraid)', () => {
  let server: RedisServer;
  let admin: ReturnType<typeof createClient>;

  beforeAll(async () => {
    server = await startRedisServer();
    admin = createClient({ url: server.url });
    admin.on('error', () => {});
    await admin.connect();
  });

  afterAll(async () => {
    if (admin?.isOpen) admin.destroy();
    await server?.dispose();
  });

  const authCalls = async () =>
    Number(/cmdstat_auth:calls=(\d+)/.exec(await admin.info('commandstats'))?.[1] ?? 0);

  it('signs in with the token, re-authenticates before it expires, and reconnects with the new one', async () => {
    const signer = new SignedTokenCredential({ lifetimeMs: 3000 });
    const issued: { token: AccessToken; at: number }[] = [];
    // "Entra ID": every token handed out becomes a password of the oid's ACL user at once.
    const credential: TokenCredential = {
      getToken: async (scopes) => {
        const token = (await signer.getToken(scopes)) as AccessToken;
        await admin.sendCommand(['ACL', 'SETUSER', signer.oid, 'on', `>${token.token}`, '~*', '+@all']);
        issued.push({ token, at: Date.now() });
        return token;
      },
    };
    await admin.configResetStat();
    const errors: Error[] = [];
    const cache = RedisRowCache.connect(settings(server.url), {
      credential,
      ttlSeconds: 60,
      timeoutMs: 1000,
      onError: (e) => errors.push(e),
    });
    try {
      expect(await cache.whenReady(5000)).toBe(true);
      expect(signer.issued[0].scopes).toEqual(['https://redis.azure.com/.default']);
      const clients = String(await admin.sendCommand(['CLIENT', 'LIST']));
      expect(clients).toContain(`user=${signer.oid}`);
      await cache.setMany([{ key: key('e1'), value: Buffer.from('one') }]);
      expect((await cache.getMany([key('e1')])).values.map((v) => v && Buffer.from(v).toString())).toEqual([
        'one',
      ]);

      // A new token before the first one ends (at TOKEN_REFRESH_RATIO of its life), sent with AUTH on the
      // open connection.
      await until(() => issued.length >= 2, 5000, 'a second token');
      const first = issued[0].token;
      expect(issued[1].at).toBeLessThan(first.expiresOnTimestamp);
      expect(issued[1].at - issued[0].at).toBeGreaterThanOrEqual(3000 * TOKEN_REFRESH_RATIO - 300);
      await until(async () => (await authCalls()) >= 2, 2000, 're-AUTH on the open connection');

      // The first token expires: Redis no longer takes it, and a dropped connection must come back with a
      // live token.
      await admin.sendCommand(['ACL', 'SETUSER', signer.oid, `<${first.token}`]);
      const stale = createClient({
        url: server.url,
        username: signer.oid,
        password: first.token,
        socket: { reconnectStrategy: false },
      });
      stale.on('error', () => {});
      await expect(stale.connect()).rejects.toThrow(/WRONGPASS|invalid username-password/);
      if (stale.isOpen) stale.destroy();
      await admin.sendCommand(['CLIENT', 'KILL', 'USER', signer.oid]);
      await until(
        async () => (await cache.getMany([key('e1')])).available,
        5000,
        'the cache back after the kill',
      );
      expect((await cache.getMany([key('e1')])).values.map((v) => v && Buffer.from(v).toString())).toEqual([
        'one',
      ]);
      expect(String(await admin.sendCommand(['CLIENT', 'LIST']))).toContain(`user=${signer.oid}`);
    } finally {
      await cache.close();
    }
  }, 20_000);

  it('signs in as REDIS_USERNAME when it is set (the object id Azure Cache names), the token as password', async () => {
    const signer = new SignedTokenCredential();
    const credential: TokenCredential = {
      getToken: async (scopes) => {
        const token = (await signer.getToken(scopes)) as AccessToken;
        await admin.sendCommand(['ACL', 'SETUSER', 'modelfn-app', 'on', `>${token.token}`, '~*', '+@all']);
        return token;
      },
    };
    const cache = RedisRowCache.connect(
      { ...settings(server.url), redisUsername: 'modelfn-app' },
      { credential, ttlSeconds: 60, timeoutMs: 1000 },
    );
    try {
      expect(await cache.whenReady(5000)).toBe(true);
      expect(String(await admin.sendCommand(['CLIENT', 'LIST']))).toContain('user=modelfn-app');
    } finally {
      await cache.close();
    }
  });

  it('does not sign in with a token Redis does not accept, and says why', async () => {
    const signer = new SignedTokenCredential();
    const errors: Error[] = [];
    const cache = RedisRowCache.connect(settings(server.url), {
      credential: signer,
      ttlSeconds: 60,
      timeoutMs: 200,
      onError: (e) => errors.push(e),
    });
    try {
      expect(await cache.whenReady(1500)).toBe(false);
      expect((await cache.getMany([key('e1')])).available).toBe(false);
      expect(errors.map((e) => e.message).join('\n')).toMatch(/WRONGPASS|invalid username-password/);
      expect(signer.issued.length).toBeGreaterThan(0);
    } finally {
      await cache.close();
    }
  });

  it('refuses REDIS_CREDENTIAL together with a password', async () => {
    expect(() =>
      RedisRowCache.connect({
        ...settings(server.url),
        redisPassword: 'key',
        redisCredential: 'managedidentity',
      }),
    ).toThrow(/exclude each other/);
  });
});
