import { generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import type { AccessToken, TokenCredential } from '@azure/identity';

export interface SignedTokenCredentialOptions {
  /** Object id put in the `oid` claim (the principal Redis and the Service Bus emulator see). */
  oid?: string;
  tenantId?: string;
  /** Lifetime of each token. Default one hour. */
  lifetimeMs?: number;
}

const base64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/**
 * A TokenCredential that issues Entra-shaped JWTs (RS256, `aud` = the scope's resource, `iss` =
 * sts.windows.net/<tenant>/, `oid`, `nbf`, `exp`) signed with its own key pair, for exercising token paths
 * locally: Azurite's `--oauth basic`, the Service Bus emulator's CBS validation, Redis ACL users. Not a
 * way to reach Azure.
 */
export class SignedTokenCredential implements TokenCredential {
  readonly publicKey: KeyObject;
  readonly oid: string;
  readonly tenantId: string;
  /** Every token handed out, in order. */
  readonly issued: { scopes: string[]; token: string; expiresOnTimestamp: number }[] = [];
  lifetimeMs: number;
  readonly #privateKey: KeyObject;

  constructor(options: SignedTokenCredentialOptions = {}) {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.publicKey = publicKey;
    this.#privateKey = privateKey;
    this.oid = options.oid ?? randomUUID();
    this.tenantId = options.tenantId ?? randomUUID();
    this.lifetimeMs = options.lifetimeMs ?? 3_600_000;
  }

  get issuer(): string {
    return `https://sts.windows.net/${this.tenantId}/`;
  }

  /** A token for `audience` with the given lifetime (negative: already expired), not recorded in `issued`. */
  sign(audience: string, lifetimeMs = this.lifetimeMs, claims: Record<string, unknown> = {}): AccessToken {
    const now = Date.now();
    const expiresOnTimestamp = now + lifetimeMs;
    const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
    const payload = base64url(
      JSON.stringify({
        aud: audience,
        iss: this.issuer,
        oid: this.oid,
        sub: this.oid,
        tid: this.tenantId,
        iat: Math.floor(now / 1000),
        nbf: Math.floor(now / 1000) - 1,
        exp: Math.floor(expiresOnTimestamp / 1000),
        ...claims,
      }),
    );
    const signature = sign('sha256', Buffer.from(`${header}.${payload}`), this.#privateKey);
    return { token: `${header}.${payload}.${base64url(signature)}`, expiresOnTimestamp };
  }

  async getToken(scopes: string | string[]): Promise<AccessToken> {
    const list = Array.isArray(scopes) ? scopes : [scopes];
    const audience = (list[0] ?? '').replace(/\/\.default$/, '');
    const token = this.sign(audience);
    this.issued.push({ scopes: list, ...token });
    return token;
  }
}
