import { describe, expect, it } from 'vitest';
import { SettingError } from '@modelfn/settings';
import {
  redisCredential,
  serviceBusConnection,
  storageConnection,
  type TokenCredential,
} from '../src/index.js';

const fixed: TokenCredential = {
  getToken: async () => ({ token: 't', expiresOnTimestamp: Date.now() + 60_000 }),
};

describe('storageConnection', () => {
  it('prefers the connection string, as the Functions host does', () => {
    expect(
      storageConnection({
        AzureWebJobsStorage: 'UseDevelopmentStorage=true',
        AzureWebJobsStorage__accountName: 'a',
      }),
    ).toEqual({ kind: 'connectionString', connectionString: 'UseDevelopmentStorage=true' });
  });

  it('derives both endpoints from __accountName', () => {
    const c = storageConnection({
      AzureWebJobsStorage__accountName: 'acct',
      AzureWebJobsStorage__credential: 'managedidentity',
    });
    expect(c).toMatchObject({
      kind: 'identity',
      blobServiceUri: 'https://acct.blob.core.windows.net',
      queueServiceUri: 'https://acct.queue.core.windows.net',
    });
    expect(typeof (c as { credential: TokenCredential }).credential.getToken).toBe('function');
  });

  it('takes explicit service URIs and a given credential, for any connection name', () => {
    const c = storageConnection(
      {
        Other__blobServiceUri: 'https://127.0.0.1:10000/devstoreaccount1/',
        Other__queueServiceUri: 'https://q/',
      },
      'Other',
      fixed,
    );
    expect(c).toEqual({
      kind: 'identity',
      blobServiceUri: 'https://127.0.0.1:10000/devstoreaccount1',
      queueServiceUri: 'https://q',
      credential: fixed,
    });
  });

  it('is undefined when nothing is set, and says which setting is wrong', () => {
    expect(storageConnection({})).toBeUndefined();
    expect(() =>
      storageConnection({ AzureWebJobsStorage__blobServiceUri: 'acct.blob.core.windows.net' }),
    ).toThrow(/AzureWebJobsStorage__blobServiceUri must be an https:\/\/ URL/);
    expect(() =>
      storageConnection({ AzureWebJobsStorage__accountName: 'a', AzureWebJobsStorage__credential: 'secret' }),
    ).toThrow(SettingError);
  });
});

describe('serviceBusConnection', () => {
  it('reads the connection string or the namespace', () => {
    expect(
      serviceBusConnection({
        ServiceBusConnection: 'Endpoint=sb://x/;SharedAccessKeyName=a;SharedAccessKey=b',
      }),
    ).toMatchObject({ kind: 'connectionString' });
    expect(
      serviceBusConnection(
        { ServiceBusConnection__fullyQualifiedNamespace: 'sb://ns.servicebus.windows.net/' },
        undefined,
        fixed,
      ),
    ).toEqual({ kind: 'identity', fullyQualifiedNamespace: 'ns.servicebus.windows.net', credential: fixed });
    expect(serviceBusConnection({})).toBeUndefined();
  });
});

describe('redisCredential', () => {
  it('accepts managedidentity and default only', () => {
    expect(typeof redisCredential('managedidentity', 'cid').getToken).toBe('function');
    expect(typeof redisCredential('default').getToken).toBe('function');
    expect(() => redisCredential('key')).toThrow(/REDIS_CREDENTIAL must be/);
  });
});
