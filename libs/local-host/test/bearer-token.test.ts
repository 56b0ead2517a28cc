// The REST clients' token cache, with a counting credential (a unit test: the credential is faked; the
// token paths themselves run against Azurite in storage-bearer.test.ts).
import type { AccessToken, GetTokenOptions } from '@modelfn/identity';
import { describe, expect, it } from 'vitest';
import { BearerToken } from '../src/blob/bearer-token.js';

class CountingCredential {
  calls = 0;
  fail = false;
  constructor(private readonly make: (n: number) => AccessToken) {}
  async getToken(_scopes: string | string[], _options?: GetTokenOptions): Promise<AccessToken> {
    this.calls++;
    await new Promise((r) => setTimeout(r, 5));
    if (this.fail) throw new Error('token endpoint down');
    return this.make(this.calls);
  }
}

describe('BearerToken', () => {
  it('asks once for concurrent requests and keeps the token until it is due for refresh', async () => {
    const cred = new CountingCredential((n) => ({
      token: `t${n}`,
      expiresOnTimestamp: Date.now() + 3_600_000,
    }));
    const bearer = new BearerToken(cred);
    expect(await Promise.all([bearer.header(), bearer.header(), bearer.header()])).toEqual([
      'Bearer t1',
      'Bearer t1',
      'Bearer t1',
    ]);
    expect(await bearer.header()).toBe('Bearer t1');
    expect(cred.calls).toBe(1);
  });

  it('renews once refreshAfterTimestamp has passed, or five minutes before expiry', async () => {
    const due = new CountingCredential((n) => ({
      token: `t${n}`,
      expiresOnTimestamp: Date.now() + 3_600_000,
      refreshAfterTimestamp: Date.now() - 1,
    }));
    const a = new BearerToken(due);
    await a.header();
    expect(await a.header()).toBe('Bearer t2');
    const short = new CountingCredential((n) => ({
      token: `s${n}`,
      expiresOnTimestamp: Date.now() + 4 * 60_000,
    }));
    const b = new BearerToken(short);
    await b.header();
    expect(await b.header()).toBe('Bearer s2');
  });

  it('keeps using a still-valid token when renewal fails, and fails once it has expired', async () => {
    let lifetime = 60_000;
    const cred = new CountingCredential((n) => ({
      token: `t${n}`,
      expiresOnTimestamp: Date.now() + lifetime,
    }));
    const bearer = new BearerToken(cred);
    expect(await bearer.header()).toBe('Bearer t1');
    cred.fail = true;
    expect(await bearer.header()).toBe('Bearer t1');
    cred.fail = false;
    lifetime = -1;
    expect(await bearer.header()).toBe('Bearer t3');
    cred.fail = true;
    await expect(bearer.header()).rejects.toThrow('token endpoint down');
  });
});
