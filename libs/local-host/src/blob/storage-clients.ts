import type { BlobServiceClient } from '@azure/storage-blob';
import { BlobRest } from './blob-rest.js';
import { BlobSourceError } from './blob-source-error.js';
import { parseConnectionString, type StorageAccount } from './storage-account.js';

/** The SDK's client class, passed in because the SDK is imported when a source starts (see startBlobSource). */
export type BlobServiceClientClass = typeof BlobServiceClient;

/**
 * The blob source's storage clients, one set per connection string. The storage story: the per-blob calls
 * (read the trigger blob, write its outputs) go through BlobRest, the rest (listing once per scan,
 * containers, the receipt journal) through the SDK; see docs/decisions.md.
 */
export class StorageClients {
  private readonly sdk = new Map<string, BlobServiceClient>();
  private readonly rests = new Map<string, BlobRest>();

  constructor(
    private readonly Client: BlobServiceClientClass,
    private readonly defaultConnectionString: string,
    private readonly connections: Record<string, string> = {},
  ) {}

  /** A binding's `connection` names an app setting; names not given explicitly use AzureWebJobsStorage's. */
  connectionString(connection: string): string {
    return this.connections[connection] ?? this.defaultConnectionString;
  }

  account(connection: string): StorageAccount {
    return parseConnectionString(this.connectionString(connection));
  }

  service(connection: string): BlobServiceClient {
    const cs = this.connectionString(connection);
    let client = this.sdk.get(cs);
    if (!client) {
      try {
        // Short SDK retries: the source retries invocations itself, and the SDK's default backoff (minutes
        // with storage down) would stall close() and hide the outage.
        client = this.Client.fromConnectionString(cs, {
          retryOptions: {
            maxTries: 3,
            retryDelayInMs: 100,
            maxRetryDelayInMs: 1_000,
            tryTimeoutInMs: 30_000,
          },
        });
      } catch (e) {
        throw new BlobSourceError(
          'INVALID_CONNECTION_STRING',
          `connection "${connection}" is not a storage connection string: ${(e as Error).message}`,
          { cause: e },
        );
      }
      this.sdk.set(cs, client);
    }
    return client;
  }

  /** The lean client for the per-blob read and write (see blob-rest.ts). */
  rest(connection: string): BlobRest {
    const cs = this.connectionString(connection);
    let rest = this.rests.get(cs);
    if (!rest) {
      rest = new BlobRest(parseConnectionString(cs));
      this.rests.set(cs, rest);
    }
    return rest;
  }

  close(): void {
    for (const rest of this.rests.values()) rest.close();
  }
}
