// Run in its own Node process by blob-repository-identity.test.ts (NODE_EXTRA_CA_CERTS trusts Azurite's
// throwaway certificate): a model repository in blob storage read with Entra ID tokens. argv: blob URI.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { storageConnection, type TokenCredential } from '@modelfn/identity';
import { SignedTokenCredential } from '@modelfn/identity/testing';
import { syncBlobRepository } from '../../src/model/blob-repository.js';

const uri = process.argv[2];
const signer = new SignedTokenCredential();
const report: Record<string, unknown> = {};
const files = (root: string): Record<string, string> => {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (!e.name.startsWith('.')) out[relative(root, p)] = readFileSync(p, 'utf8');
    }
  };
  walk(root);
  return out;
};
const attempt = async (name: string, fn: () => Promise<string>) => {
  try {
    report[name] = { ok: true, files: files(await fn()) };
  } catch (e) {
    report[name] = { ok: false, message: (e as Error).message.slice(0, 500) };
  }
};

const container = new BlobServiceClient(uri, signer).getContainerClient('models');
await container.createIfNotExists();
for (const [name, text] of [
  ['mnist/config.json', '{"name":"mnist"}'],
  ['mnist/1/model.onnx', 'onnx bytes'],
]) {
  await container.getBlockBlobClient(name).uploadData(Buffer.from(text));
}
const env = { AzureWebJobsStorage__blobServiceUri: uri };
const expired: TokenCredential = { getToken: async () => signer.sign('https://storage.azure.com', -60_000) };
const cache = () => mkdtempSync(join(tmpdir(), 'modelfn-models-'));

await attempt('blobSpec', () =>
  syncBlobRepository('blob:models', {
    cacheDir: cache(),
    connection: storageConnection(env, undefined, signer),
  }),
);
await attempt('urlSpec', () =>
  syncBlobRepository(`${uri}/models`, { cacheDir: cache(), credential: signer }),
);
await attempt('expired', () =>
  syncBlobRepository('blob:models', {
    cacheDir: cache(),
    connection: storageConnection(env, undefined, expired),
  }),
);
process.stdout.write(JSON.stringify(report));
