import { BlobServiceClient } from '@azure/storage-blob';
import { storageConnection } from '@modelfn/identity';

/** Where answers too large for a reply message are written: AzureWebJobsStorage, the app's own account. */
export interface AnswerBlobs {
  /** Writes `bytes` as `name` in the container (made on first use) and returns the blob's URL. */
  write(container: string, name: string, bytes: Buffer, contentType: string): Promise<string>;
}

class StorageAnswerBlobs implements AnswerBlobs {
  readonly #created = new Map<string, Promise<unknown>>();

  constructor(private readonly service: BlobServiceClient) {}

  async write(container: string, name: string, bytes: Buffer, contentType: string): Promise<string> {
    const client = this.service.getContainerClient(container);
    let created = this.#created.get(container);
    if (!created) {
      created = client.createIfNotExists();
      this.#created.set(container, created);
      created.catch(() => this.#created.delete(container));
    }
    await created;
    const blob = client.getBlockBlobClient(name);
    await blob.upload(bytes, bytes.length, { blobHTTPHeaders: { blobContentType: contentType } });
    return blob.url.split('?')[0];
  }
}

let shared: { key: string; blobs: AnswerBlobs | undefined } | undefined;

/**
 * The app's answer blobs, on the storage the Functions host itself uses (AzureWebJobsStorage: a connection
 * string, or `__accountName` / `__blobServiceUri` with a managed identity). Undefined when none is set,
 * which only happens outside Azure: the host cannot start without it.
 */
export function answerBlobs(env: NodeJS.ProcessEnv = process.env): AnswerBlobs | undefined {
  const name = 'AzureWebJobsStorage';
  // Keyed by the setting's value, so a test (or a host) that changes it gets clients for the new one.
  const key = JSON.stringify([env[name], env[`${name}__accountName`], env[`${name}__blobServiceUri`]]);
  if (shared?.key === key) return shared.blobs;
  const connection = storageConnection(env, name);
  const service = !connection
    ? undefined
    : connection.kind === 'connectionString'
      ? BlobServiceClient.fromConnectionString(connection.connectionString)
      : new BlobServiceClient(connection.blobServiceUri, connection.credential);
  shared = { key, blobs: service && new StorageAnswerBlobs(service) };
  return shared.blobs;
}
