import type { ContainerClient } from '@azure/storage-blob';

/** The container the Functions host keeps its bookkeeping in (receipts, leases) in AzureWebJobsStorage. */
export const HOSTS_CONTAINER = 'azure-webjobs-hosts';

export type ReceiptStatus = 'completed' | 'poisoned';

/**
 * Blob receipts as the Functions host keeps them: one small blob per function and trigger blob, saying
 * which version (ETag) was handled, so a blob is processed once per version, across restarts.
 * Path: `blobreceipts/<hostId>/<function>/<container>/<blob name>`, ETag in the metadata.
 * The set is loaded once and then kept in memory, so a poll costs one listing, not one request per blob.
 */
export class BlobReceipts {
  private readonly handled = new Map<string, string>();

  private constructor(
    private readonly hosts: ContainerClient,
    readonly prefix: string,
  ) {}

  static async load(
    hosts: ContainerClient,
    hostId: string,
    functionName: string,
    container: string,
  ): Promise<BlobReceipts> {
    const receipts = new BlobReceipts(hosts, `blobreceipts/${hostId}/${functionName}/${container}/`);
    for await (const item of hosts.listBlobsFlat({ prefix: receipts.prefix, includeMetadata: true })) {
      const etag = item.metadata?.etag;
      if (etag) receipts.handled.set(item.name.slice(receipts.prefix.length), etag);
    }
    return receipts;
  }

  get size(): number {
    return this.handled.size;
  }

  has(blobName: string, etag: string): boolean {
    return this.handled.get(blobName) === etag;
  }

  async write(blobName: string, etag: string, status: ReceiptStatus, invocationId: string): Promise<void> {
    await this.hosts.getBlockBlobClient(this.prefix + blobName).upload('', 0, {
      metadata: { etag, status, invocationid: invocationId },
    });
    this.handled.set(blobName, etag);
  }
}
