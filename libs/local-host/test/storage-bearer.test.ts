// Identity-based storage against Azurite with `--oauth basic` over HTTPS (bearer tokens need HTTPS there):
// a throwaway self-signed certificate made here, tokens from a SignedTokenCredential, the blob read and
// write through the local host's storage clients (REST) and the SDK client beside them.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOAuthAzurite, type OAuthAzurite } from '../src/index.js';

let azurite: OAuthAzurite;

beforeAll(async () => {
  azurite = await startOAuthAzurite();
}, 40_000);

afterAll(async () => {
  await azurite?.stop();
});

describe('storage clients on an identity-based connection (Azurite --oauth basic, HTTPS)', () => {
  it('read and write blobs with live bearer tokens, and are refused with expired ones', () => {
    const out = execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        join(import.meta.dirname, 'support/bearer-storage-client.ts'),
        azurite.blobServiceUri,
      ],
      {
        cwd: join(import.meta.dirname, '..'),
        env: { ...process.env, NODE_EXTRA_CA_CERTS: azurite.certPath },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    const report = JSON.parse(out) as Record<
      string,
      { ok: boolean; value?: unknown; status?: number; message?: string }
    >;
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
    // One token for the REST client (kept until due for refresh), the SDK asks for its own.
    expect(report.tokens).toEqual([
      ['https://storage.azure.com/.default'],
      ['https://storage.azure.com/.default'],
    ]);
  }, 90_000);
});
