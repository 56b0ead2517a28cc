// Run in its own Node process by storage-bearer.test.ts, with NODE_EXTRA_CA_CERTS naming the test's
// throwaway certificate (Node reads it only at start): the local host's storage clients, on an
// identity-based connection to Azurite over HTTPS, with tokens signed by a SignedTokenCredential.
import { BlobServiceClient } from '@azure/storage-blob';
import { storageConnection } from '@modelfn/identity';
import { SignedTokenCredential } from '@modelfn/identity/testing';
import { StorageClients } from '../../src/blob/storage-clients.js';

const blobServiceUri = process.argv[2];
const report: Record<string, unknown> = {};

async function attempt(name: string, fn: () => Promise<unknown>): Promise<void> {
  try {
    report[name] = { ok: true, value: await fn() };
  } catch (e) {
    const err = e as { statusCode?: number; message: string };
    report[name] = { ok: false, status: err.statusCode, message: err.message.slice(0, 2000) };
  }
}

const signer = new SignedTokenCredential();
const env = {
  AzureWebJobsStorage__blobServiceUri: blobServiceUri,
  AzureWebJobsStorage__queueServiceUri: blobServiceUri,
};
const live = new StorageClients(BlobServiceClient, storageConnection(env, 'AzureWebJobsStorage', signer)!);
// Tokens that ended a minute ago: what a credential that stopped refreshing would send.
const expired = new StorageClients(
  BlobServiceClient,
  storageConnection(env, 'AzureWebJobsStorage', {
    getToken: async (scopes) =>
      signer.sign(String(Array.isArray(scopes) ? scopes[0] : scopes).replace(/\/\.default$/, ''), -60_000),
  })!,
);

await attempt('createContainer', async () => {
  await live.service('AzureWebJobsStorage').getContainerClient('bearer').createIfNotExists();
  return true;
});
await attempt('restPut', async () => {
  await live.rest('AzureWebJobsStorage').put('bearer', 'digit.png', Buffer.from('pixels'), 'image/png');
  return true;
});
await attempt('restGet', async () => {
  const res = await live.rest('AzureWebJobsStorage').get('bearer', 'digit.png');
  return { body: res.body.toString(), contentType: res.headers['content-type'] };
});
await attempt('sdkList', async () => {
  const names: string[] = [];
  for await (const b of live.service('AzureWebJobsStorage').getContainerClient('bearer').listBlobsFlat())
    names.push(b.name);
  return names;
});
await attempt('expiredRestGet', () => expired.rest('AzureWebJobsStorage').get('bearer', 'digit.png'));
await attempt('expiredRestPut', () =>
  expired.rest('AzureWebJobsStorage').put('bearer', 'other.png', Buffer.from('x'), 'image/png'),
);
await attempt('expiredSdkList', async () => {
  for await (const b of expired.service('AzureWebJobsStorage').getContainerClient('bearer').listBlobsFlat())
    return b.name;
  return undefined;
});
report.tokens = signer.issued.map((t) => t.scopes);
live.close();
expired.close();
process.stdout.write(JSON.stringify(report));
