import { randomUUID } from 'node:crypto';
import type { BlobItem } from '@azure/storage-blob';
import type { HostLogger } from '@modelfn/functions';
import { BLOB_CREATED } from './blob-events.js';
import { matchBlobName } from './blob-path.js';
import type { Watcher } from './blob-watch.js';
import { bareEtag } from './read-blob-version.js';

/** Events per POST: well under Event Grid's 1 MB per delivery (an event is ~600 bytes). */
const BATCH = 200;

interface Outgoing {
  w: Watcher;
  key: string;
  etag: string;
  event: object;
}

/** A `Microsoft.Storage.BlobCreated` event in the Event Grid schema, as Storage sends it for a listed blob. */
function blobCreatedEvent(w: Watcher, item: BlobItem): object {
  const p = item.properties;
  return {
    id: randomUUID(),
    topic: `/subscriptions/local/resourceGroups/local/providers/Microsoft.Storage/storageAccounts/${w.container.accountName}`,
    subject: `/blobServices/default/containers/${w.pattern.container}/blobs/${item.name}`,
    eventType: BLOB_CREATED,
    eventTime: (p.lastModified ?? new Date()).toISOString(),
    dataVersion: '',
    metadataVersion: '1',
    data: {
      api: 'PutBlob',
      eTag: bareEtag(p.etag!),
      contentType: p.contentType,
      contentLength: p.contentLength,
      blobType: p.blobType ?? 'BlockBlob',
      url: w.container.getBlobClient(item.name).url,
    },
  };
}

/**
 * Azurite emits no events, so locally this stands in for Storage and Event Grid: it is handed each listed
 * blob of an Event Grid trigger's container (by a ContainerScanner) and posts a BlobCreated event for every
 * blob version it has not announced yet to the blob webhook, over HTTP, as Event Grid would. Versions already
 * handled are skipped by the webhook (receipts), so announcing everything once at start is what recovers
 * blobs whose events were acknowledged but not finished before a crash. A delivery that fails for a reason
 * that may pass (no answer, 5xx) is announced again on the next listing; a refused one (4xx) is logged.
 */
export class BlobAnnouncer {
  /** Per function and blob, the ETag last announced. */
  private readonly announced = new Map<string, string>();
  private outbox: Outgoing[] = [];
  private sending: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly opts: {
      /** `http://127.0.0.1:<port>/runtime/webhooks/blobs`. */
      webhookUrl: string;
      logger: HostLogger;
    },
  ) {}

  /** True while events wait to be posted or a post is unanswered. */
  get pending(): boolean {
    return this.outbox.length > 0 || this.sending !== undefined;
  }

  /** Announces a listed blob version unless it was announced already; true when it will. */
  consider(w: Watcher, item: BlobItem): boolean {
    if (this.closed || !item.properties.etag || !matchBlobName(w.pattern, item.name)) return false;
    const key = `${w.fn.name}\u0000${item.name}`;
    const etag = bareEtag(item.properties.etag);
    if (this.announced.get(key) === etag) return false;
    this.announced.set(key, etag);
    this.outbox.push({ w, key, etag, event: blobCreatedEvent(w, item) });
    this.sending ??= this.send().finally(() => (this.sending = undefined));
    return true;
  }

  private async send(): Promise<void> {
    while (this.outbox.length > 0 && !this.closed) {
      const w = this.outbox[0].w;
      const batch = this.outbox.filter((o) => o.w === w).slice(0, BATCH);
      const taken = new Set(batch);
      this.outbox = this.outbox.filter((o) => !taken.has(o));
      await this.post(w, batch);
    }
  }

  private async post(w: Watcher, batch: Outgoing[]): Promise<void> {
    const url = `${this.opts.webhookUrl}?functionName=Host.Functions.${encodeURIComponent(w.fn.name)}`;
    let problem: string;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'aeg-event-type': 'Notification' },
        body: JSON.stringify(batch.map((o) => o.event)),
      });
      const text = await res.text();
      if (res.ok) return;
      if (res.status < 500) {
        this.opts.logger.error(
          { functionName: w.fn.name, status: res.status, answer: text, events: batch.length },
          'the blob webhook refused the announced events; they are not sent again',
        );
        return;
      }
      problem = `status ${res.status}: ${text}`;
    } catch (e) {
      problem = (e as Error).message;
    }
    // Forgotten, so the next listing announces them again.
    for (const o of batch) if (this.announced.get(o.key) === o.etag) this.announced.delete(o.key);
    if (!this.closed)
      this.opts.logger.warn(
        { functionName: w.fn.name, events: batch.length, problem },
        'could not post blob events to the webhook; announcing them again on the next listing',
      );
  }

  /** Stops announcing; resolves once the post in flight (if any) is answered. */
  async close(): Promise<void> {
    this.closed = true;
    this.outbox = [];
    await this.sending;
  }
}
