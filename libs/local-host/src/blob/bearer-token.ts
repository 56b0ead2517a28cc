import { STORAGE_SCOPE, type AccessToken, type TokenCredential } from '@modelfn/identity';

/** Refresh this long before a token expires when the credential names no refresh time of its own. */
const EARLY_MS = 5 * 60_000;

/**
 * The storage token of one credential, kept until it is due for refresh, one request for a new one at a
 * time: our REST calls (blob-rest.ts, storage-queue.ts) run once per blob, and asking the credential each
 * time would cost a token request (or at least its cache lookup) per call.
 */
export class BearerToken {
  #token: AccessToken | undefined;
  #pending: Promise<AccessToken> | undefined;

  constructor(private readonly credential: TokenCredential) {}

  async header(): Promise<string> {
    const now = Date.now();
    const t = this.#token;
    if (t && now < (t.refreshAfterTimestamp ?? t.expiresOnTimestamp - EARLY_MS)) return `Bearer ${t.token}`;
    // A still-valid token is used while a new one is on its way only if that one fails.
    this.#pending ??= this.credential
      .getToken(STORAGE_SCOPE)
      .then((token) => {
        if (!token) throw new Error('the credential returned no token for Azure Storage');
        this.#token = token;
        return token;
      })
      .finally(() => (this.#pending = undefined));
    try {
      return `Bearer ${(await this.#pending).token}`;
    } catch (e) {
      if (t && now < t.expiresOnTimestamp) return `Bearer ${t.token}`;
      throw e;
    }
  }
}
