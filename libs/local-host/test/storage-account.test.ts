import { describe, expect, it } from 'vitest';
import { DEV_ACCOUNT_KEY, devConnectionString } from '../src/azurite/dev-account.js';
import { parseConnectionString } from '../src/blob/storage-account.js';
import { sharedKeyAuthorization } from '../src/blob/shared-key.js';

describe('storage connection strings', () => {
  it('UseDevelopmentStorage=true is Azurite on its default ports', () => {
    expect(parseConnectionString('UseDevelopmentStorage=true')).toEqual({
      name: 'devstoreaccount1',
      key: DEV_ACCOUNT_KEY,
      blobEndpoint: 'http://127.0.0.1:10000/devstoreaccount1',
      queueEndpoint: 'http://127.0.0.1:10001/devstoreaccount1',
    });
  });

  it('reads explicit endpoints (Azurite on other ports)', () => {
    const a = parseConnectionString(devConnectionString('127.0.0.1', { blob: 4100, queue: 4101 }));
    expect(a).toMatchObject({
      name: 'devstoreaccount1',
      queueEndpoint: 'http://127.0.0.1:4101/devstoreaccount1',
    });
  });

  it('derives Azure endpoints from the account name', () => {
    const a = parseConnectionString(
      'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=a2V5;EndpointSuffix=core.windows.net',
    );
    expect(a).toMatchObject({
      name: 'acct',
      key: 'a2V5',
      queueEndpoint: 'https://acct.queue.core.windows.net',
    });
  });

  it('takes a SAS with endpoints', () => {
    const a = parseConnectionString(
      'BlobEndpoint=https://acct.blob.core.windows.net/;QueueEndpoint=https://acct.queue.core.windows.net/;SharedAccessSignature=sv=2022&sig=x',
    );
    expect(a).toMatchObject({
      name: 'acct',
      sas: 'sv=2022&sig=x',
      queueEndpoint: 'https://acct.queue.core.windows.net',
    });
  });

  it('says what is missing', () => {
    expect(() => parseConnectionString('AccountName=acct')).toThrow(
      expect.objectContaining({ code: 'INVALID_CONNECTION_STRING' }),
    );
  });
});

describe('shared key', () => {
  it('signs the canonical string the service expects', () => {
    // Expected value computed outside this code (Python hmac) from the documented string-to-sign:
    // "GET" + 12 × "\n" + x-ms-* headers + "/devstoreaccount1/devstoreaccount1/q/messages\nnumofmessages:2\npeekonly:true".
    const url = new URL('http://127.0.0.1:10001/devstoreaccount1/q/messages?peekonly=true&numofmessages=2');
    const auth = sharedKeyAuthorization({ name: 'devstoreaccount1', key: DEV_ACCOUNT_KEY }, 'GET', url, {
      'x-ms-date': 'Wed, 25 Nov 2026 12:00:00 GMT',
      'x-ms-version': '2021-12-02',
      'content-length': '0',
    });
    expect(auth).toBe('SharedKey devstoreaccount1:tpXv2SmyCW3LAbJ2kvpv1whLCs0gDUthdYGgLm49yg0=');
  });
});
