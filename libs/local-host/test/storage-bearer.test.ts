// Identity-based storage against Azurite with `--oauth basic` over HTTPS (bearer tokens need HTTPS there):
// tokens from a SignedTokenCredential, the blob read and write through the local host's storage clients
// (REST) and the SDK client beside them, in a process that trusts Azurite's throwaway certificate.
import { join } from 'node:path';
import { runTrusting, startOAuthAzurite, type OAuthAzurite } from '@modelfn/identity/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let azurite: OAuthAzurite;

beforeAll(async () => {
  azurite = await startOAuthAzurite();
}, 40_000);

afterAll(async () => {
  await azurite?.stop();
});

type Outcome = { ok: boolean; value?: unknown; status?: number; message?: string };

describe('storage clients on an identity-based connection (Azurite --oauth basic, HTTPS)', () => {
  it('read and write blobs with live bearer tokens, and are refused with expired ones', () => {
    const out = runTrusting(
      azurite.certPath,
      join(import.meta.dirname, 'support/bearer-storage-client.ts'),
      [azurite.blobServiceUri],
      join(import.meta.dirname, '..'),
    );
    const report = JSON.parse(out) as Record<string, Outcome> & { tokens: string[][] };
    expect(report.createContainer).toEqual({ ok: true, value: true });
    expect(report.restPut).toEqual({ ok: true, value: true });
    expect(report.restGet).toEqual({ ok: true, value: { body: 'pixels', contentType: 'image/png' } });
    expect(report.sdkList).toEqual({ ok: true, value: ['digit.png'] });
    // The same tokens with an `exp` a minute ago (nothing else differs) are refused: the token is what
    // authorized, and its lifetime is checked.
    expect(report.expiredRestGet).toMatchObject({ ok: false, status: 403 });
    expect(report.expiredRestGet.message).toMatch(/AuthenticationFailed/);
    expect(report.expiredSdkList).toMatchObject({ ok: false, status: 403 });
    expect(report.expiredSdkList.message).toMatch(/failed to authenticate/);
    expect(report.expiredRestPut).toMatchObject({ ok: false, status: 403 });
    // One token for the REST client (kept until due for refresh), one for the SDK's own pipeline.
    expect(report.tokens).toEqual([
      ['https://storage.azure.com/.default'],
      ['https://storage.azure.com/.default'],
    ]);
  }, 90_000);
});
