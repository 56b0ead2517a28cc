import type { BlobItem } from '@azure/storage-blob';
import type { HostLogger } from '@modelfn/functions';
import type { Watcher } from './blob-watch.js';

export interface ScannerOptions {
  watchers: Watcher[];
  pollIntervalMs: number;
  logger: HostLogger;
  /** Queues a listed blob version if it is new; true when it did. */
  consider: (w: Watcher, item: BlobItem) => boolean;
  /** True while work waits to start: a scan then cannot speed anything up. */
  backlogged: () => boolean;
}

interface ScanResult {
  seq: number;
  /** Blob versions queued by the scan, -1 when it failed. */
  enqueued: number;
}

/**
 * The polling half of the blob trigger: lists every trigger container page by page, every
 * `pollIntervalMs`, and hands each listed blob version to `consider`.
 */
export class ContainerScanner {
  private closed = false;
  /** Aborts a scan in progress on close (a scan is safe to drop; invocations are not, they finish). */
  private readonly abort = new AbortController();
  private seq = 0;
  private waiters: ((scan: ScanResult) => void)[] = [];
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;

  constructor(private readonly opts: ScannerOptions) {}

  start(): void {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    const { watchers, pollIntervalMs, logger } = this.opts;
    while (!this.closed) {
      // With work still waiting to start, a scan cannot speed anything up, and listing a large container
      // is the most expensive call there is (it would slow the very reads and writes that are queued).
      if (this.opts.backlogged()) {
        await this.pause();
        continue;
      }
      const seq = ++this.seq;
      let enqueued = 0;
      try {
        for (const w of watchers) enqueued += await this.scan(w);
      } catch (e) {
        // Storage down or restarting: not idle, try again next round.
        enqueued = -1;
        if (!this.closed) logger.warn({ err: e }, `blob scan failed; retrying in ${pollIntervalMs} ms`);
      }
      this.settle({ seq, enqueued });
      if (this.closed) break;
      await this.pause();
    }
  }

  private settle(scan: ScanResult): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w(scan);
  }

  private async pause(): Promise<void> {
    await new Promise<void>((res) => {
      const timer = setTimeout(res, this.opts.pollIntervalMs);
      this.wake = () => {
        clearTimeout(timer);
        res();
      };
    });
    this.wake = undefined;
  }

  private async scan(w: Watcher): Promise<number> {
    let enqueued = 0;
    let marker: string | undefined;
    do {
      const page = await w.container
        .listBlobsFlat({ prefix: w.pattern.prefix || undefined, abortSignal: this.abort.signal })
        .byPage({ continuationToken: marker, maxPageSize: 1000 })
        .next();
      if (page.done) break;
      for (const item of page.value.segment.blobItems) if (this.opts.consider(w, item)) enqueued++;
      marker = page.value.continuationToken || undefined;
    } while (marker && !this.closed);
    return enqueued;
  }

  /** Resolves after a scan that started after this call queued nothing while `busy()` was false. */
  async quiet(busy: () => boolean): Promise<void> {
    const after = this.seq;
    while (!this.closed) {
      const scan = await new Promise<ScanResult>((res) => this.waiters.push(res));
      if (scan.seq > after && scan.enqueued === 0 && !busy()) return;
    }
  }

  /** Stops polling; resolves once the scan in progress (if any) has stopped. */
  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.abort.abort();
      this.wake?.();
    }
    await this.loop;
    this.settle({ seq: Number.MAX_SAFE_INTEGER, enqueued: 0 });
  }
}
