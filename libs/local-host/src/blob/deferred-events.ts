import { matchBlobName } from './blob-path.js';
import type { Watcher } from './blob-watch.js';

/** What became of one acknowledged BlobCreated event. */
export type Placement = 'queued' | 'deferred' | 'ignored';

interface Deferred {
  w: Watcher;
  blobName: string;
  etag: string;
}

/**
 * Acknowledged events wait here while their blob has another version in flight: the jobs run one version of
 * a blob at a time and refuse the rest, which a listing can afford (the next scan sees the blob again) but
 * an event cannot (Event Grid does not send it again once answered). One entry per blob, the newest event
 * wins; each is offered to the jobs again every `retryMs` until queued or already handled.
 */
export class DeferredEvents {
  private readonly waiting = new Map<string, Deferred>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly enqueue: (w: Watcher, blobName: string, etag: string) => boolean,
    private readonly retryMs = 50,
  ) {}

  get size(): number {
    return this.waiting.size;
  }

  /** Queues the event's blob version, defers it behind a version in flight, or ignores it. */
  place(w: Watcher, blobName: string, etag: string): Placement {
    if (this.closed || !matchBlobName(w.pattern, blobName) || w.receipts.has(blobName, etag))
      return 'ignored';
    if (this.enqueue(w, blobName, etag)) return 'queued';
    this.waiting.set(`${w.fn.name}\u0000${blobName}`, { w, blobName, etag });
    this.timer ??= setTimeout(() => this.retry(), this.retryMs);
    return 'deferred';
  }

  private retry(): void {
    this.timer = undefined;
    for (const [key, d] of this.waiting) {
      if (this.closed || d.w.receipts.has(d.blobName, d.etag) || this.enqueue(d.w, d.blobName, d.etag))
        this.waiting.delete(key);
    }
    if (this.waiting.size > 0 && !this.closed) this.timer = setTimeout(() => this.retry(), this.retryMs);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.waiting.clear();
  }
}
