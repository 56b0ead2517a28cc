import type { BlobItem } from '@azure/storage-blob';
import type { HostLogger } from '@modelfn/functions';
import type { Invoker } from '../invocation/invoke.js';
import { outputValues } from '../invocation/outputs.js';
import { CLAIM_MS, ClaimLostError, type Claim } from './blob-claims.js';
import { BlobOutputWriter } from './blob-outputs.js';
import { matchBlobName } from './blob-path.js';
import type { Watcher } from './blob-watch.js';
import { poisonMessage, POISON_QUEUE } from './poison-message.js';
import { bareEtag, quotedEtag, readBlobVersion, type BlobVersion } from './read-blob-version.js';
import type { ReceiptStatus } from './blob-receipts.js';
import type { StorageClients } from './storage-clients.js';
import { WorkPool } from './work-pool.js';

export interface BlobJobsOptions {
  clients: StorageClients;
  invoke: Invoker;
  logger: HostLogger;
  parallelism: number;
  maxAttempts: number;
  retryDelayMs: number;
}

interface Job {
  watcher: Watcher;
  blobName: string;
  etag: string;
  bindings: Record<string, string>;
  attempts: number;
  /** Taken before the first try and held (renewed) until the version is done or this host gives up on it. */
  claim?: Claim;
  renewal?: NodeJS.Timeout;
}

/**
 * The invoking half of the blob trigger, with the Functions host's semantics: one version of a blob at a
 * time, bounded parallelism, the outputs then a receipt on success, retries with backoff on failure, and the
 * poison queue after the last try.
 */
export class BlobJobs {
  private readonly active = new Map<string, Job>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  /** Journal lines not yet appended (see receipt). */
  private readonly receipts = new Set<Promise<void>>();
  private readonly pool: WorkPool;
  private readonly writer: BlobOutputWriter;
  private closed = false;

  constructor(private readonly opts: BlobJobsOptions) {
    this.pool = new WorkPool(opts.parallelism);
    this.writer = new BlobOutputWriter(opts.clients);
  }

  /** Blob versions queued, running or waiting for a retry, or journal lines not yet appended. */
  get busy(): boolean {
    return this.active.size > 0 || this.receipts.size > 0;
  }

  /** True while work waits for a free slot. */
  get backlogged(): boolean {
    return this.pool.queued > 0;
  }

  /** Queues a listed blob version unless it is handled, running, or not a trigger blob; true when queued. */
  consider(w: Watcher, item: BlobItem): boolean {
    if (!item.properties.etag) return false;
    return this.enqueue(w, item.name, bareEtag(item.properties.etag));
  }

  /** Queues one blob version (from a listing or an Event Grid event) under the same rules. */
  enqueue(w: Watcher, blobName: string, etag: string): boolean {
    if (this.closed) return false;
    const key = `${w.fn.name}\u0000${blobName}`;
    // One version of a blob at a time; a newer version waits for the next scan after this one is done.
    if (this.active.has(key) || w.receipts.has(blobName, etag)) return false;
    const bindings = matchBlobName(w.pattern, blobName);
    if (!bindings) return false;
    const job: Job = { watcher: w, blobName, etag, bindings, attempts: 0 };
    this.active.set(key, job);
    this.pool.push(() => this.process(key, job));
    return true;
  }

  private async process(key: string, job: Job): Promise<void> {
    const { watcher: w } = job;
    const rest = this.opts.clients.rest(w.connection);
    // Every try counts, reading the blob included, so a blob that can never be read still ends in the poison queue.
    job.attempts++;
    try {
      if (!job.claim && !(await this.claim(key, job))) return;
      const version = await readBlobVersion(rest, w.pattern.container, job.blobName, job.etag);
      if (!version) {
        this.opts.logger.debug(
          { blob: job.blobName },
          'blob deleted or overwritten before it was read; the next scan sees its current version',
        );
        void this.release(key, job);
        return;
      }
      const blobTrigger = `${w.pattern.container}/${job.blobName}`;
      const done = await this.opts.invoke(w.fn, {
        input: version.bytes,
        triggerMetadata: triggerMetadata(
          job,
          blobTrigger,
          rest.url(w.pattern.container, job.blobName),
          version,
        ),
        retryContext: { retryCount: job.attempts - 1, maxRetryCount: this.opts.maxAttempts - 1 },
        logFields: { blob: blobTrigger },
      });
      if (!done.ok) throw done.error;
      const values = outputValues(done.context, done.result, w.output, w.extraOutputs);
      const written = await Promise.all(
        values.map(({ output, value }) => this.writer.write(output, job.bindings, value)),
      );
      // Only after the outputs: a crash in between re-runs the blob (at least once, as the host does). The
      // journal line, not the claim, records the completion (see receipt).
      this.receipt(job, 'completed', done.context.invocationId, job.claim);
      void this.release(key, job, true);
      this.opts.logger.debug(
        {
          functionName: w.fn.name,
          blob: job.blobName,
          invocationId: done.context.invocationId,
          outputs: written,
        },
        'blob handled',
      );
    } catch (e) {
      await this.failed(key, job, e);
    }
  }

  private async failed(key: string, job: Job, error: unknown): Promise<void> {
    const { watcher: w } = job;
    const { maxAttempts, retryDelayMs, logger } = this.opts;
    const where = { functionName: w.fn.name, blob: job.blobName, attempt: job.attempts, err: error };
    if (error instanceof ClaimLostError) {
      // Another host took the version over while this one could not renew its claim: it runs it to the end.
      logger.warn(where, 'lost the claim on a blob to another host; leaving the blob to it');
      void this.release(key, job, true);
      return;
    }
    if (job.attempts < maxAttempts) {
      if (this.closed) {
        void this.release(key, job);
        return;
      }
      const delay = Math.min(30_000, retryDelayMs * 2 ** Math.max(0, job.attempts - 1));
      logger.warn(
        where,
        `invocation failed (try ${job.attempts} of ${maxAttempts}); retrying in ${delay} ms`,
      );
      const timer = setTimeout(() => {
        this.retryTimers.delete(timer);
        if (this.closed) void this.release(key, job);
        else this.pool.push(() => this.process(key, job));
      }, delay);
      this.retryTimers.add(timer);
      return;
    }
    let recorded = false;
    try {
      await w.poison.createIfNotExists();
      await w.poison.send(poisonMessage(w.fn.name, w.pattern.container, job.blobName, quotedEtag(job.etag)));
      await job.claim?.finish('poisoned');
      this.receipt(job, 'poisoned', 'poison');
      recorded = true;
      logger.error(
        where,
        `invocation failed ${job.attempts} times; blob moved to the poison queue ${POISON_QUEUE}`,
      );
    } catch (e) {
      // Without a receipt the next scan starts the blob over; that is the best left to do.
      logger.error(
        { ...where, poisonError: e },
        `could not record the poison blob on ${POISON_QUEUE}; it will be retried`,
      );
    } finally {
      void this.release(key, job, recorded);
    }
  }

  /**
   * Notes the version as handled here and queues its journal line without waiting for it; the line goes out
   * with others in one append (RECEIPT_BATCH_MS). For a completed version the line is the only record other
   * hosts see: its claim stays `running` and they look it up in the journals (blob-claims.ts), which saves
   * rewriting the claim (Azurite's CPU per blob ~6.0 -> ~5.0 ms). A crash before the append re-runs the version
   * once the claim lapses (at least once); an append that fails finishes the claim instead (`unfinished`).
   */
  private receipt(job: Job, status: ReceiptStatus, invocationId: string, unfinished?: Claim): void {
    const { receipts } = job.watcher;
    receipts.markHandled(job.blobName, job.etag);
    const written = receipts
      .write(job.blobName, job.etag, status, invocationId)
      .catch(async (e: unknown) => {
        this.opts.logger.warn(
          { functionName: job.watcher.fn.name, blob: job.blobName, err: e },
          unfinished
            ? 'could not append a receipt to the journal; recording the blob as handled in its claim'
            : 'could not append a receipt to the journal; the claim still records the blob as handled',
        );
        await unfinished
          ?.finish(status)
          .catch((err: unknown) =>
            this.opts.logger.warn(
              { functionName: job.watcher.fn.name, blob: job.blobName, err },
              'could not record the blob as handled in its claim either; another host may run it again once the claim lapses',
            ),
          );
      })
      .finally(() => this.receipts.delete(written));
    this.receipts.add(written);
  }

  /**
   * Claims the version for this host (blob-claims.ts). False when another host has done it (remembered as
   * handled) or is doing it now (left to the next scan, which finds it done, or its claim lapsed).
   */
  private async claim(key: string, job: Job): Promise<boolean> {
    const { watcher: w } = job;
    const claim = await w.receipts.claims.claim(job.blobName, job.etag);
    if (claim.state !== 'mine') {
      if (claim.state === 'done') w.receipts.markHandled(job.blobName, job.etag);
      this.opts.logger.debug(
        { functionName: w.fn.name, blob: job.blobName, claim: claim.state },
        'blob version handled by another host',
      );
      void this.release(key, job);
      return false;
    }
    job.claim = claim;
    job.renewal = setInterval(() => {
      claim
        .renew()
        .catch((e: unknown) =>
          this.opts.logger.warn(
            { functionName: w.fn.name, blob: job.blobName, err: e },
            'could not renew the claim on a blob; another host may run it too',
          ),
        );
    }, CLAIM_MS / 3);
    job.renewal.unref();
    return true;
  }

  /**
   * Done with the job here: no more renewals, and unless the version was `finished` (its claim says so), its
   * claim is given up so that any host, this one included, takes it at once rather than after it lapses.
   */
  private release(key: string, job: Job, finished = false): Promise<void> {
    clearInterval(job.renewal);
    job.renewal = undefined;
    const claim = job.claim;
    job.claim = undefined;
    if (this.active.get(key) === job) this.active.delete(key);
    if (finished || !claim) return Promise.resolve();
    return claim
      .release()
      .catch((e: unknown) =>
        this.opts.logger.debug({ blob: job.blobName, err: e }, 'could not give up a blob claim; it lapses'),
      );
  }

  /** Drops work not yet started and pending retries; resolves once running invocations have finished. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
    this.pool.clear();
    await this.pool.drained();
    // Versions claimed but not finished (waiting for a retry) are given up (see release).
    await Promise.all([...this.active].map(([key, job]) => this.release(key, job)));
    this.active.clear();
    await Promise.all(this.receipts);
  }
}

/** As the Functions host fills it for a blob trigger: the path's bindings, blobTrigger, uri, properties, metadata. */
function triggerMetadata(
  job: Job,
  blobTrigger: string,
  uri: string,
  version: BlobVersion,
): Record<string, unknown> {
  return {
    ...job.bindings,
    blobTrigger,
    uri,
    properties: version.properties,
    metadata: version.metadata,
  };
}
