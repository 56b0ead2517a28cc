// Models from blob storage on an identity-based connection: `blob:<container>` on
// AzureWebJobsStorage__blobServiceUri and a container URL without a SAS, read with Entra ID tokens
// (SignedTokenCredential) from Azurite with --oauth basic over HTTPS.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOAuthAzurite, type OAuthAzurite } from '@modelfn/local-host';

let azurite: OAuthAzurite;

beforeAll(async () => {
  azurite = await startOAuthAzurite();
}, 40_000);

afterAll(async () => {
  await azurite?.stop();
});

describe('model repository in blob storage with Entra ID tokens', () => {
  it('copies the container with live tokens and fails clearly with expired ones', () => {
    const out = execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        join(import.meta.dirname, 'blob-repository-identity-client.ts'),
        azurite.blobServiceUri,
      ],
      {
        cwd: join(import.meta.dirname, '../..'),
        env: { ...process.env, NODE_EXTRA_CA_CERTS: azurite.certPath },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    const report = JSON.parse(out) as Record<
      string,
      { ok: boolean; files?: Record<string, string>; message?: string }
    >;
    const copied = { 'mnist/config.json': '{"name":"mnist"}', 'mnist/1/model.onnx': 'onnx bytes' };
    expect(report.blobSpec).toEqual({ ok: true, files: copied });
    expect(report.urlSpec).toEqual({ ok: true, files: copied });
    expect(report.expired.ok).toBe(false);
    expect(report.expired.message).toMatch(/MODEL_REPOSITORY=blob:models could not be read: .*authenticate/s);
  }, 90_000);
});
