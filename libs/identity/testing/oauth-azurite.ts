import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { throwawayCertificate } from './certificate.js';

/**
 * Azurite's blob service with `--oauth basic` over HTTPS (it takes bearer tokens only over HTTPS), on a
 * throwaway self-signed certificate for 127.0.0.1 made with openssl, for trying identity-based storage
 * connections (AzureWebJobsStorage__blobServiceUri) with locally signed tokens (SignedTokenCredential of
 * this folder; Azurite checks a token's issuer, audience and lifetime, not its signature). A client
 * trusts the certificate through NODE_EXTRA_CA_CERTS=`certPath`, which Node reads at start only.
 */
export interface OAuthAzurite {
  blobServiceUri: string;
  certPath: string;
  stop(): Promise<void>;
}

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

export async function startOAuthAzurite(): Promise<OAuthAzurite> {
  const dir = mkdtempSync(join(tmpdir(), 'modelfn-oauth-'));
  const { certPath: cert, keyPath: key } = throwawayCertificate(dir);
  const port = await freePort();
  const main = createRequire(import.meta.url).resolve('azurite/dist/src/blob/main.js');
  const args = [
    '--blobHost',
    '127.0.0.1',
    '--blobPort',
    String(port),
    '--oauth',
    'basic',
    '--cert',
    cert,
    '--key',
    key,
    '--inMemoryPersistence',
    '--disableTelemetry',
    '--skipApiVersionCheck',
    '--loose',
  ];
  // Over an IPC channel that ends with this process, so a killed test run leaves no Azurite behind.
  const child: ChildProcess = fork(main, args, {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    execArgv: ['--import', 'data:text/javascript,process.on("disconnect",()=>process.exit(0))'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  while (!/successfully listen(?:s on|ing at) https:/.test(out)) {
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error(`Azurite did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { blobServiceUri: `https://127.0.0.1:${port}/devstoreaccount1`, certPath: cert, stop };
}
