// Identity-based storage against Azurite with `--oauth basic` over HTTPS (bearer tokens need HTTPS there):
// a throwaway self-signed certificate made here, tokens from a SignedTokenCredential, the blob read and
// write through the local host's storage clients (REST) and the SDK client beside them.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
let dir: string;
let azurite: ChildProcess | undefined;
let blobServiceUri: string;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'modelfn-oauth-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  const port = await freePort();
  azurite = spawn(
    process.execPath,
    [
      require.resolve('azurite/dist/src/blob/main.js'),
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      String(port),
      '--oauth',
      'basic',
      '--cert',
      join(dir, 'cert.pem'),
      '--key',
      join(dir, 'key.pem'),
      '--inMemoryPersistence',
      '--disableTelemetry',
      '--skipApiVersionCheck',
      '--loose',
    ],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  azurite.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  azurite.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const deadline = Date.now() + 30_000;
  while (!/successfully listen(?:s on|ing at) https:/.test(out)) {
    if (Date.now() > deadline || azurite.exitCode !== null) throw new Error(`Azurite did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  blobServiceUri = `https://127.0.0.1:${port}/devstoreaccount1`;
}, 40_000);

afterAll(async () => {
  if (azurite && azurite.exitCode === null) {
    azurite.kill('SIGKILL');
    await once(azurite, 'exit');
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('storage clients on an identity-based connection (Azurite --oauth basic, HTTPS)', () => {
  it('read and write blobs with live bearer tokens, and are refused with expired ones', () => {
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'support/bearer-storage-client.ts'), blobServiceUri],
      {
        cwd: join(import.meta.dirname, '..'),
        env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem') },
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
