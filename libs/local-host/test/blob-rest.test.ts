// The lean blob client against a real Azurite: awkward names, conditions, errors, Shared Key and SAS.
import {
  AccountSASPermissions,
  AccountSASResourceTypes,
  AccountSASServices,
  BlobServiceClient,
  generateAccountSASQueryParameters,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobRest, BlobRestError } from '../src/blob/blob-rest.js';
import { DEV_ACCOUNT_KEY, DEV_ACCOUNT_NAME } from '../src/azurite/dev-account.js';
import { parseConnectionString, startAzurite, type RunningAzurite } from '../src/index.js';

let azurite: RunningAzurite;
let service: BlobServiceClient;
const clients: BlobRest[] = [];

beforeAll(async () => {
  azurite = await startAzurite({ blobPort: 0, queuePort: 0, tablePort: 0 });
  service = BlobServiceClient.fromConnectionString(azurite.connectionString);
  await service.getContainerClient('rest').createIfNotExists();
});

afterAll(async () => {
  for (const c of clients) c.close();
  await azurite?.stop();
});

function client(connectionString = azurite.connectionString): BlobRest {
  const c = new BlobRest(parseConnectionString(connectionString));
  clients.push(c);
  return c;
}

describe('BlobRest', () => {
  it('writes and reads blobs whose names need encoding, with content type and metadata', async () => {
    const rest = client();
    const name = 'a dir/ä b?#%.png';
    await rest.put('rest', name, Buffer.from('pixels'), 'image/png');
    const props = await service.getContainerClient('rest').getBlobClient(name).getProperties();
    expect(props.contentType).toBe('image/png');
    await service.getContainerClient('rest').getBlobClient(name).setMetadata({ Who: 'me' });

    const got = await rest.get('rest', name);
    expect(got.body.toString()).toBe('pixels');
    expect(got.headers['content-type']).toBe('image/png');
    expect(got.metadata).toEqual({ Who: 'me' });
    expect(rest.url('rest', name)).toBe(service.getContainerClient('rest').getBlobClient(name).url);
  });

  it('answers 412 for another version and 404 for a missing blob, as BlobRestError', async () => {
    const rest = client();
    await rest.put('rest', 'v', Buffer.from('1'), 'text/plain');
    await expect(rest.get('rest', 'v', '"0xNOTTHIS"')).rejects.toMatchObject({ statusCode: 412 });
    const missing = await rest.get('rest', 'nope').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(BlobRestError);
    expect(missing).toMatchObject({ statusCode: 404, errorCode: 'BlobNotFound' });
  });

  it('signs with a SAS from the connection string instead of the key', async () => {
    const sas = generateAccountSASQueryParameters(
      {
        expiresOn: new Date(Date.now() + 3_600_000),
        permissions: AccountSASPermissions.parse('rw'),
        resourceTypes: AccountSASResourceTypes.parse('o').toString(),
        services: AccountSASServices.parse('b').toString(),
      },
      new StorageSharedKeyCredential(DEV_ACCOUNT_NAME, DEV_ACCOUNT_KEY),
    ).toString();
    const rest = client(`BlobEndpoint=${azurite.blobEndpoint};SharedAccessSignature=${sas}`);
    await rest.put('rest', 'by-sas', Buffer.from('ok'), 'text/plain');
    expect((await rest.get('rest', 'by-sas')).body.toString()).toBe('ok');
    const wrong = client(`BlobEndpoint=${azurite.blobEndpoint};SharedAccessSignature=sv=2021-12-02&sig=bad`);
    await expect(wrong.get('rest', 'by-sas')).rejects.toMatchObject({ statusCode: 403 });
  });
});
