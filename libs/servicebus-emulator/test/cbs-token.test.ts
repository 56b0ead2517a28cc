// Entra ID tokens through CBS put-token, end to end: the real @azure/service-bus client with a
// TokenCredential (SignedTokenCredential) against the emulator checking its JWTs. Over TLS, as the SDK
// insists with a credential: a throwaway openssl certificate, trusted by the client process through
// NODE_EXTRA_CA_CERTS (read only at process start, hence the child process).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTrusting, throwawayCertificate } from '@modelfn/identity/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dir: string;
let cert: { certPath: string; keyPath: string };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'modelfn-cbs-'));
  cert = throwawayCertificate(dir);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type Outcome = { ok: boolean; body?: unknown; serviceBusError?: boolean; code?: string; message?: string };

describe('CBS put-token with Entra ID tokens', () => {
  it('accepts a valid JWT and refuses expired, foreign-signed, wrong-audience and not-yet-valid ones as UnauthorizedAccess', () => {
    const out = runTrusting(
      cert.certPath,
      join(import.meta.dirname, 'cbs-token-client.ts'),
      [cert.certPath, cert.keyPath],
      join(import.meta.dirname, '..'),
    );
    const report = JSON.parse(out) as Record<string, Outcome> & { scopes: string[][] };
    expect(report.valid).toEqual({ ok: true, body: 'valid' });
    expect(report.scopes[0]).toEqual(['https://servicebus.azure.net//.default']);
    const refused = (name: string, reason: RegExp) => {
      expect(report[name]).toMatchObject({ ok: false, serviceBusError: true, code: 'UnauthorizedAccess' });
      expect(report[name].message).toMatch(reason);
    };
    refused('expired', /ExpiredToken/);
    refused('otherKey', /InvalidSignature/);
    refused('otherAudience', /InvalidAudience/);
    refused('notYetValid', /not valid yet/);
  }, 150_000);
});
