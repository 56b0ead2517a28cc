// Models from blob storage on an identity-based connection: `blob:<container>` on
// AzureWebJobsStorage__blobServiceUri and a container URL without a SAS, read with Entra ID tokens
// (SignedTokenCredential) from Azurite with --oauth basic over HTTPS.
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

type Outcome = { ok: boolean; files?: Record<string, string>; message?: string };

describe('model repository in blob storage with Entra ID tokens', () => {
  it('copies the container with live tokens and fails clearly with expired ones', () => {
    const out = runTrusting(
      azurite.certPath,
      join(import.meta.dirname, 'blob-repository-identity-client.ts'),
      [azurite.blobServiceUri],
      join(import.meta.dirname, '../..'),
    );
    const report = JSON.parse(out) as Record<string, Outcome>;
    const copied = { 'mnist/config.json': '{"name":"mnist"}', 'mnist/1/model.onnx': 'onnx bytes' };
    expect(report.blobSpec).toEqual({ ok: true, files: copied });
    expect(report.urlSpec).toEqual({ ok: true, files: copied });
    expect(report.expired.ok).toBe(false);
    expect(report.expired.message).toMatch(/MODEL_REPOSITORY=blob:models could not be read: .*authenticate/s);
  }, 90_000);
});
