import type { ContainerClient } from '@azure/storage-blob';

/**
 * Refreshes at most this often: a host asks for every version it finds claimed by another, on every scan,
 * and a version still running there is not in any journal yet.
 */
export const JOURNAL_REFRESH_MS = 1_000;

interface Read {
  etag: string;
  /** Bytes consumed so far: journals are append blobs, so a refresh reads only what was added. */
  offset: number;
}

/**
 * Whether any host's receipt journal under `prefix` records a blob version: how a host learns that another
 * finished a version whose claim it finds still `running` (the job no longer rewrites its claim when done,
 * its journal line says so). Reads only the journals, and parts of journals, it has not read yet.
 */
export class JournalLookup {
  private readonly versions = new Set<string>();
  private readonly read = new Map<string, Read>();
  private refreshing: Promise<void> | undefined;
  private refreshedAt = 0;

  constructor(
    private readonly hosts: ContainerClient,
    private readonly prefix: string,
  ) {}

  async has(blobName: string, etag: string): Promise<boolean> {
    const key = `${blobName}\u0000${etag}`;
    if (this.versions.has(key)) return true;
    if (!this.refreshing && Date.now() - this.refreshedAt >= JOURNAL_REFRESH_MS) {
      this.refreshing = this.refresh().finally(() => {
        this.refreshedAt = Date.now();
        this.refreshing = undefined;
      });
    }
    await this.refreshing;
    return this.versions.has(key);
  }

  private async refresh(): Promise<void> {
    for await (const item of this.hosts.listBlobsFlat({ prefix: this.prefix })) {
      const etag = item.properties.etag ?? '';
      const seen = this.read.get(item.name);
      if (seen?.etag === etag) continue;
      const offset = seen?.offset ?? 0;
      let bytes: Buffer;
      try {
        bytes = await this.hosts.getBlobClient(item.name).downloadToBuffer(offset);
      } catch (e) {
        // Deleted since the listing (merged into a newer journal, which the next refresh reads).
        if ((e as { statusCode?: number }).statusCode === 404) continue;
        // Nothing new since `offset` (the journal changed only its properties).
        if ((e as { statusCode?: number }).statusCode === 416) {
          this.read.set(item.name, { etag, offset });
          continue;
        }
        throw e;
      }
      // Every append is whole lines; a line cut short would only be one not yet read whole.
      const end = bytes.lastIndexOf(0x0a) + 1;
      for (const raw of bytes.subarray(0, end).toString('utf8').split('\n')) {
        if (raw === '') continue;
        try {
          const v = JSON.parse(raw) as { blob?: unknown; etag?: unknown };
          if (typeof v.blob === 'string' && typeof v.etag === 'string')
            this.versions.add(`${v.blob}\u0000${v.etag}`);
        } catch {
          // An unreadable line names no version; BlobReceipts.load counts and reports those.
        }
      }
      this.read.set(item.name, { etag, offset: offset + end });
    }
  }
}
