import { availableParallelism } from 'node:os';
import type { BlobItem, BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { pino } from 'pino';
import { blobSettingsFromHostJson } from '../host-json.js';
import type { HostLogger, RunningSource } from '../http/function-definition.js';
import { BlobOutputWriter, checkOutputs, type BlobOutputBinding } from './blob-outputs.js';
import { BlobRest } from './blob-rest.js';
import { matchBlobName, parseTriggerPath, resolveBlobPath, type BlobPathPattern } from './blob-path.js';
import { BlobReceipts, HOSTS_CONTAINER } from './blob-receipts.js';
import { BlobSourceError } from './blob-source-error.js';
import { hostIdOf, setting } from './blob-source-settings.js';
import { invokeBlobFunction, type BlobFunctionDefinition } from './invoke-blob-function.js';
import { poisonMessage, POISON_QUEUE } from './poison-message.js';
import { bareEtag, quotedEtag, readBlobVersion } from './read-blob-version.js';
import { parseConnectionString } from './storage-account.js';
import { StorageQueue } from './storage-queue.js';
import { WorkPool } from './work-pool.js';

export interface BlobSourceOptions {
  functions: BlobFunctionDefinition[];
  /** The AzureWebJobsStorage connection string (Azurite: `UseDevelopmentStorage=true` or the explicit form). */
  connectionString: string;
  /** Connection strings of other connection names the bindings use; any other name uses `connectionString`. */
  connections?: Record<string, string>;
  /** Scopes the receipts, as the Functions host id does. Default env AzureFunctionsWebHost__hostid, else "modelfn-local". */
  hostId?: string;
  logger?: HostLogger;
  /**
   * The app's host.json: its `extensions.blobs.maxDegreeOfParallelism` and `poisonBlobThreshold` are the
   * defaults of `parallelism` and `maxAttempts` (the environment variables still override them).
   */
  hostJsonPath?: string;
  /**
   * Concurrent invocations over all functions. Default env BLOB_MAX_PARALLELISM, else host.json's
   * maxDegreeOfParallelism, else 8 per CPU core (the Functions host's default).
   */
  parallelism?: number;
  /** Pause between container scans. Default env BLOB_POLL_INTERVAL_MS, else 250. */
  pollIntervalMs?: number;
  /** Tries before a blob goes to the poison queue. Default env BLOB_MAX_ATTEMPTS, else host.json's poisonBlobThreshold, else 5. */
  maxAttempts?: number;
  /** Delay before the first retry, doubled per try (capped at 30 s). Default env BLOB_RETRY_DELAY_MS, else 500. */
  retryDelayMs?: number;
}

export interface BlobSource extends RunningSource {
  /** Invocations that may run at once (see BlobSourceOptions.parallelism). */
  readonly parallelism: number;
  /** Stops polling, drops work not yet started, and waits for running invocations (outputs and receipts written). */
  close(): Promise<void>;
  /**
   * Resolves once a scan that started after this call found nothing new and nothing is running, queued or
   * waiting for a retry: everything uploaded before the call has been handled.
   */
  idle(): Promise<void>;
}

/** The SDK's client class, passed in because the SDK is imported when a source starts (see startBlobSource). */
type BlobServiceClientClass = typeof BlobServiceClient;

interface Watcher {
  fn: BlobFunctionDefinition;
  pattern: BlobPathPattern;
  container: ContainerClient;
  receipts: BlobReceipts;
  poison: StorageQueue;
  outputs: { output: BlobOutputBinding | undefined; extra: BlobOutputBinding[] };
}

interface Job {
  watcher: Watcher;
  blobName: string;
  etag: string;
  bindings: Record<string, string>;
  attempts: number;
}

/**
 * Runs blob-triggered functions without the Functions host, with its semantics: container polling,
 * a receipt per blob version, bounded parallelism, retries, then the poison queue.
 */
class PollingBlobSource implements BlobSource {
  readonly name = 'blob';
  private readonly active = new Map<string, Job>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private readonly pool: WorkPool;
  private readonly writer: BlobOutputWriter;
  private readonly clients = new Map<string, BlobServiceClient>();
  private readonly rests = new Map<string, BlobRest>();
  private closed = false;
  /** Aborts a scan in progress on close (a scan is safe to drop; invocations are not, they finish). */
  private readonly scanAbort = new AbortController();
  private scanSeq = 0;
  private scanWaiters: ((scan: { seq: number; enqueued: number }) => void)[] = [];
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private watchers: Watcher[] = [];

  constructor(
    private readonly Client: BlobServiceClientClass,
    private readonly opts: BlobSourceOptions,
    private readonly logger: HostLogger,
    private readonly pollIntervalMs: number,
    private readonly maxAttempts: number,
    private readonly retryDelayMs: number,
    readonly parallelism: number,
  ) {
    this.pool = new WorkPool(parallelism);
    this.writer = new BlobOutputWriter(
      (c) => this.clientFor(c),
      (c) => this.restFor(c),
    );
  }

  private connectionString(name: string): string {
    return this.opts.connections?.[name] ?? this.opts.connectionString;
  }

  private clientFor(connection: string): BlobServiceClient {
    const cs = this.connectionString(connection);
    let client = this.clients.get(cs);
    if (!client) {
      try {
        // Short SDK retries: this source retries invocations itself, and the SDK's default backoff (minutes
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
          {
            cause: e,
          },
        );
      }
      this.clients.set(cs, client);
    }
    return client;
  }

  /** The lean client for the per-blob read and write (see blob-rest.ts); one per connection string. */
  private restFor(connection: string): BlobRest {
    const cs = this.connectionString(connection);
    let rest = this.rests.get(cs);
    if (!rest) {
      rest = new BlobRest(parseConnectionString(cs));
      this.rests.set(cs, rest);
    }
    return rest;
  }

  async start(hostId: string): Promise<void> {
    const prepared = this.opts.functions.map((fn) => {
      const pattern = parseTriggerPath(fn.options.path);
      if (fn.options.extraInputs?.length) {
        throw new BlobSourceError(
          'UNSUPPORTED_BINDING',
          `function "${fn.name}" has extra inputs; the local blob source supports only its trigger and blob outputs`,
        );
      }
      const outputs = {
        output: fn.options.return ? checkOutputs(fn.name, [fn.options.return])[0] : undefined,
        extra: checkOutputs(fn.name, fn.options.extraOutputs ?? []),
      };
      // An output path naming a parameter the trigger does not bind fails here, not on every blob.
      const sample = Object.fromEntries(pattern.params.map((p) => [p, 'x']));
      for (const o of [outputs.output, ...outputs.extra]) if (o) resolveBlobPath(o.path, sample);
      return { fn, pattern, outputs };
    });
    this.watchers = await Promise.all(
      prepared.map(async ({ fn, pattern, outputs }) => {
        const service = this.clientFor(fn.options.connection);
        const hosts = service.getContainerClient(HOSTS_CONTAINER);
        const container = service.getContainerClient(pattern.container);
        // Created so a fresh Azurite works at once; the host would only log that the container is missing.
        await Promise.all([hosts.createIfNotExists(), container.createIfNotExists()]);
        const receipts = await BlobReceipts.load(hosts, hostId, fn.name, pattern.container);
        if (receipts.skippedLines > 0) {
          this.logger.warn(
            { functionName: fn.name, skipped: receipts.skippedLines, journal: receipts.prefix },
            `${receipts.skippedLines} unreadable receipt lines in ${HOSTS_CONTAINER}/${receipts.prefix}; those blobs run again`,
          );
        }
        const poison = new StorageQueue(
          parseConnectionString(this.connectionString(fn.options.connection)),
          POISON_QUEUE,
        );
        this.logger.info(
          { functionName: fn.name, path: fn.options.path, receipts: receipts.size },
          `blob trigger ${fn.name} watches ${service.url.replace(/\/$/, '')}/${fn.options.path}`,
        );
        return { fn, pattern, container, receipts, poison, outputs };
      }),
    );
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      // With work still waiting to start, a scan cannot speed anything up, and listing a large container
      // is the most expensive call there is (it would slow the very reads and writes that are queued).
      if (this.pool.queued > 0) {
        await this.pause();
        continue;
      }
      const seq = ++this.scanSeq;
      let enqueued = 0;
      try {
        for (const w of this.watchers) enqueued += await this.scan(w);
      } catch (e) {
        // Storage down or restarting: not idle, try again next round.
        enqueued = -1;
        if (!this.closed)
          this.logger.warn({ err: e }, `blob scan failed; retrying in ${this.pollIntervalMs} ms`);
      }
      const waiters = this.scanWaiters;
      this.scanWaiters = [];
      for (const w of waiters) w({ seq, enqueued });
      if (this.closed) break;
      await this.pause();
    }
  }

  private async pause(): Promise<void> {
    await new Promise<void>((res) => {
      const timer = setTimeout(res, this.pollIntervalMs);
      this.wake = () => {
        clearTimeout(timer);
        res();
      };
    });
    this.wake = undefined;
  }

  /** Lists the trigger container page by page and queues every blob version without a receipt. */
  private async scan(w: Watcher): Promise<number> {
    let enqueued = 0;
    let marker: string | undefined;
    do {
      const page = await w.container
        .listBlobsFlat({ prefix: w.pattern.prefix || undefined, abortSignal: this.scanAbort.signal })
        .byPage({ continuationToken: marker, maxPageSize: 1000 })
        .next();
      if (page.done) break;
      for (const item of page.value.segment.blobItems) {
        if (this.consider(w, item)) enqueued++;
      }
      marker = page.value.continuationToken || undefined;
    } while (marker && !this.closed);
    return enqueued;
  }

  private consider(w: Watcher, item: BlobItem): boolean {
    if (!item.properties.etag || this.closed) return false;
    const etag = bareEtag(item.properties.etag);
    const key = `${w.fn.name}\u0000${item.name}`;
    // One version of a blob at a time; a newer version waits for the next scan after this one is done.
    if (this.active.has(key) || w.receipts.has(item.name, etag)) return false;
    const bindings = matchBlobName(w.pattern, item.name);
    if (!bindings) return false;
    const job: Job = { watcher: w, blobName: item.name, etag, bindings, attempts: 0 };
    this.active.set(key, job);
    this.pool.push(() => this.process(key, job));
    return true;
  }

  private async process(key: string, job: Job): Promise<void> {
    const { watcher: w } = job;
    const rest = this.restFor(w.fn.options.connection);
    // Every try counts, reading the blob included, so a blob that can never be read still ends in the poison queue.
    job.attempts++;
    try {
      const version = await readBlobVersion(rest, w.pattern.container, job.blobName, job.etag);
      if (!version) {
        this.logger.debug(
          { blob: job.blobName },
          'blob deleted or overwritten before it was read; the next scan sees its current version',
        );
        this.active.delete(key);
        return;
      }
      const triggerMetadata: Record<string, unknown> = {
        ...job.bindings,
        blobTrigger: `${w.pattern.container}/${job.blobName}`,
        uri: rest.url(w.pattern.container, job.blobName),
        properties: version.properties,
        metadata: version.metadata,
      };
      const { invocationId, values } = await invokeBlobFunction({
        fn: w.fn,
        blob: version.bytes,
        bindings: job.bindings,
        triggerMetadata,
        attempt: job.attempts,
        maxAttempts: this.maxAttempts,
        outputs: w.outputs,
        logger: this.logger,
      });
      const written = await Promise.all(
        values.map(({ output, value }) => this.writer.write(output, job.bindings, value)),
      );
      // Only after the outputs: a crash in between re-runs the blob (at least once, as the host does).
      await w.receipts.write(job.blobName, job.etag, 'completed', invocationId);
      this.active.delete(key);
      this.logger.debug(
        { functionName: w.fn.name, blob: job.blobName, invocationId, outputs: written },
        'blob handled',
      );
    } catch (e) {
      await this.failed(key, job, e);
    }
  }

  private async failed(key: string, job: Job, error: unknown): Promise<void> {
    const { watcher: w } = job;
    const where = { functionName: w.fn.name, blob: job.blobName, attempt: job.attempts, err: error };
    if (job.attempts < this.maxAttempts) {
      if (this.closed) {
        this.active.delete(key);
        return;
      }
      const delay = Math.min(30_000, this.retryDelayMs * 2 ** Math.max(0, job.attempts - 1));
      this.logger.warn(
        where,
        `invocation failed (try ${job.attempts} of ${this.maxAttempts}); retrying in ${delay} ms`,
      );
      const timer = setTimeout(() => {
        this.retryTimers.delete(timer);
        if (this.closed) this.active.delete(key);
        else this.pool.push(() => this.process(key, job));
      }, delay);
      this.retryTimers.add(timer);
      return;
    }
    try {
      await w.poison.createIfNotExists();
      await w.poison.send(poisonMessage(w.fn.name, w.pattern.container, job.blobName, quotedEtag(job.etag)));
      await w.receipts.write(job.blobName, job.etag, 'poisoned', 'poison');
      this.logger.error(
        where,
        `invocation failed ${job.attempts} times; blob moved to the poison queue ${POISON_QUEUE}`,
      );
    } catch (e) {
      // Without a receipt the next scan starts the blob over; that is the best left to do.
      this.logger.error(
        { ...where, poisonError: e },
        `could not record the poison blob on ${POISON_QUEUE}; it will be retried`,
      );
    } finally {
      this.active.delete(key);
    }
  }

  describe(): string[] {
    return this.watchers.map((w) => {
      const outputs = [w.outputs.output, ...w.outputs.extra]
        .filter((o) => o !== undefined)
        .map((o) => o.path);
      return `blob trigger ${w.fn.name}: ${w.container.url}/${w.pattern.path.slice(w.pattern.container.length + 1)} -> ${outputs.join(', ') || 'no outputs'}`;
    });
  }

  async idle(): Promise<void> {
    const after = this.scanSeq;
    while (!this.closed) {
      const scan = await new Promise<{ seq: number; enqueued: number }>((res) => this.scanWaiters.push(res));
      if (scan.seq > after && scan.enqueued === 0 && this.active.size === 0) return;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return this.loop;
    this.closed = true;
    this.scanAbort.abort();
    this.wake?.();
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
    await this.loop;
    this.pool.clear();
    await this.pool.drained();
    for (const rest of this.rests.values()) rest.close();
    this.active.clear();
    const waiters = this.scanWaiters;
    this.scanWaiters = [];
    for (const w of waiters) w({ seq: Number.MAX_SAFE_INTEGER, enqueued: 0 });
  }
}

function defaultLogger(): HostLogger {
  return pino({ name: 'blob-source', level: process.env.LOG_LEVEL ?? 'info' });
}

/**
 * Starts polling the trigger containers of `functions` and invoking their handlers. Resolves once the
 * receipts are loaded and the first scan is under way.
 */
export async function startBlobSource(options: BlobSourceOptions): Promise<BlobSource> {
  // Loaded on first use: the SDK takes ~0.3 s to import, which a host serving only HTTP should not pay.
  const { BlobServiceClient } = await import('@azure/storage-blob');
  const hostJson = options.hostJsonPath ? blobSettingsFromHostJson(options.hostJsonPath) : {};
  const source = new PollingBlobSource(
    BlobServiceClient,
    options,
    options.logger ?? defaultLogger(),
    setting(options.pollIntervalMs, 'BLOB_POLL_INTERVAL_MS', 250, 1),
    setting(options.maxAttempts, 'BLOB_MAX_ATTEMPTS', hostJson.poisonBlobThreshold ?? 5, 1),
    setting(options.retryDelayMs, 'BLOB_RETRY_DELAY_MS', 500, 0),
    setting(
      options.parallelism,
      'BLOB_MAX_PARALLELISM',
      hostJson.maxDegreeOfParallelism ?? 8 * availableParallelism(),
      1,
    ),
  );
  await source.start(hostIdOf(options.hostId));
  return source;
}
