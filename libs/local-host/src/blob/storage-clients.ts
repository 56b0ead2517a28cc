import type { BlobServiceClient } from '@azure/storage-blob';
import type { StorageConnection } from '@modelfn/identity';
import { BlobRest } from './blob-rest.js';
import { BlobSourceError } from './blob-source-error.js';
import { storageAccountOf, type StorageAccount } from './storage-account.js';

/** A connection string, or an identity-based connection (see @modelfn/identity storageConnection). */
export type StorageConnectionSetting = string | StorageConnection;

/** One client per distinct connection: by connection string, or by blob endpoint for an identity. */
function keyOf(connection: StorageConnectionSetting): string {
  if (typeof connection === 'string') return connection;
  return connection.kind === 'connectionString'
    ? connection.connectionString
    : `identity:${connection.blobServiceUri}`;
}

/** The SDK's client class, passed in because the SDK is imported when a source starts (see startBlobSource). */
export type BlobServiceClientClass = typeof BlobServiceClient;

/**
 * The blob source's storage clients, one set per connection (connection string or identity). The storage story: the per-blob calls
 * (read the trigger blob, write its outputs) go through BlobRest, the rest (listing once per scan,
 * containers, the receipt journal) through the SDK; see docs/decisions.md.
 */
export class StorageClients {
  private readonly sdk = new Map<string, BlobServiceClient>();
  private readonly rests = new Map<string, BlobRest>();

  constructor(
    private readonly Client: BlobServiceClientClass,
    private readonly defaultConnection: StorageConnectionSetting,
    private readonly connections: Record<string, StorageConnectionSetting> = {},
  ) {}

  /** A binding's `connection` names an app setting; names not given explicitly use AzureWebJobsStorage's. */
  connectionOf(connection: string): StorageConnectionSetting {
    return this.connections[connection] ?? this.defaultConnection;
  }

  account(connection: string): StorageAccount {
    return storageAccountOf(this.connectionOf(connection));
  }

  service(connection: string): BlobServiceClient {
    const setting = this.connectionOf(connection);
    const key = keyOf(setting);
    let client = this.sdk.get(key);
    if (!client) {
      // Short SDK retries: the source retries invocations itself, and the SDK's default backoff (minutes
      // with storage down) would stall close() and hide the outage.
      const options = {
        retryOptions: { maxTries: 3, retryDelayInMs: 100, maxRetryDelayInMs: 1_000, tryTimeoutInMs: 30_000 },
      };
      try {
        if (typeof setting !== 'string' && setting.kind === 'identity') {
          client = new this.Client(setting.blobServiceUri, setting.credential, options);
        } else {
          client = this.Client.fromConnectionString(keyOf(setting), options);
        }
      } catch (e) {
        throw new BlobSourceError(
          'INVALID_CONNECTION_STRING',
          `connection "${connection}" is not a storage connection string: ${(e as Error).message}`,
          { cause: e },
        );
      }
      this.sdk.set(key, client);
    }
    return client;
  }

  /** The lean client for the per-blob read and write (see blob-rest.ts). */
  rest(connection: string): BlobRest {
    const setting = this.connectionOf(connection);
    const key = keyOf(setting);
    let rest = this.rests.get(key);
    if (!rest) {
      rest = new BlobRest(storageAccountOf(setting));
      this.rests.set(key, rest);
    }
    return rest;
  }

  close(): void {
    for (const rest of this.rests.values()) rest.close();
  }
}
