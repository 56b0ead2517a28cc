import { availableParallelism } from 'node:os';
import { portSetting } from '@modelfn/settings';
import { pino } from 'pino';
import type { BlobFunctionDefinition, HostLogger, InvocationHooks } from '@modelfn/functions';
import { blobSettingsFromHostJson } from '../host-json.js';
import { functionTimeoutOf } from '../invocation/function-timeout.js';
import { createInvoker } from '../invocation/invoke.js';
import type { RunningSource } from '../running-source.js';
import { BlobAnnouncer } from './blob-announcer.js';
import { BlobJobs } from './blob-jobs.js';
import { hostIdOf, setting } from './blob-source-settings.js';
import { checkDefinition, describeWatcher, openWatcher, type Watcher } from './blob-watch.js';
import { ContainerScanner } from './container-scanner.js';
import { startBlobWebhook, type BlobWebhook } from './event-grid-webhook.js';
import { StorageClients, type StorageConnectionSetting } from './storage-clients.js';

export interface BlobSourceOptions {
  functions: BlobFunctionDefinition[];
  /**
   * AzureWebJobsStorage: a connection string (Azurite: `UseDevelopmentStorage=true` or the explicit form),
   * or an identity-based connection (@modelfn/identity storageConnection).
   */
  connectionString: StorageConnectionSetting;
  /** Connections of other connection names the bindings use; any other name uses `connectionString`. */
  connections?: Record<string, StorageConnectionSetting>;
  /** Scopes the receipts, as the Functions host id does. Default env AzureFunctionsWebHost__hostid, else "modelfn-local". */
  hostId?: string;
  logger?: HostLogger;
  /** Run around every invocation (logs, metrics), as `app.hook.preInvocation/postInvocation` in Azure. */
  hooks?: InvocationHooks;
  /**
   * The app's host.json: its `extensions.blobs.maxDegreeOfParallelism` and `poisonBlobThreshold` are the
   * defaults of `parallelism` and `maxAttempts` (the environment variables still override them).
   */
  hostJsonPath?: string;
  /**
   * host.json `functionTimeout` in ms, past which an invocation fails (the source settles it as any
   * failure). Default: the app's host.json (hostJsonPath), else the Functions host's default (30 min).
   */
  functionTimeoutMs?: number;
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
  /**
   * Port of the Event Grid webhook, started when a function has `source: 'EventGrid'`. Default env
   * BLOB_WEBHOOK_PORT, else 0 (any free port; describe() names it). Listens on 127.0.0.1.
   */
  webhookPort?: number;
  /**
   * Post a BlobCreated event to the webhook for each new blob version in an Event Grid trigger's container,
   * found by listing it every `pollIntervalMs` (blob-announcer.ts): Azurite emits no events. Default true;
   * false leaves the webhook to whoever posts events (as Event Grid does in Azure).
   */
  announceBlobs?: boolean;
}

export interface BlobSource extends RunningSource {
  /** Invocations that may run at once (see BlobSourceOptions.parallelism). */
  readonly parallelism: number;
  /** Where Event Grid posts blob events (`.../runtime/webhooks/blobs`), when a function has `source: 'EventGrid'`. */
  readonly webhookUrl: string | undefined;
  /** Stops polling, drops work not yet started, and waits for running invocations (outputs and receipts written). */
  close(): Promise<void>;
  /**
   * Resolves once a scan that started after this call found nothing new and nothing is running, queued or
   * waiting for a retry: everything uploaded before the call has been handled.
   */
  idle(): Promise<void>;
}

/**
 * Runs blob-triggered functions without the Functions host, with its semantics: container polling
 * (container-scanner.ts), or for `source: 'EventGrid'` the blob webhook (event-grid-webhook.ts), fed locally
 * by the announcer (blob-announcer.ts); a receipt per blob version, bounded parallelism, retries, then the poison queue
 * (blob-jobs.ts). Resolves once the receipts are loaded and the first scan is under way.
 */
export async function startBlobSource(options: BlobSourceOptions): Promise<BlobSource> {
  // Loaded on first use: the SDK takes ~0.3 s to import, which a host serving only HTTP should not pay.
  const { BlobServiceClient } = await import('@azure/storage-blob');
  const logger = options.logger ?? pino({ name: 'blob-source', level: process.env.LOG_LEVEL || 'info' });
  const hostJson = options.hostJsonPath ? blobSettingsFromHostJson(options.hostJsonPath) : {};
  const parallelism = setting(
    options.parallelism,
    'BLOB_MAX_PARALLELISM',
    hostJson.maxDegreeOfParallelism ?? 8 * availableParallelism(),
    1,
  );
  const pollIntervalMs = setting(options.pollIntervalMs, 'BLOB_POLL_INTERVAL_MS', 250, 1);
  const maxAttempts = setting(options.maxAttempts, 'BLOB_MAX_ATTEMPTS', hostJson.poisonBlobThreshold ?? 5, 1);
  const retryDelayMs = setting(options.retryDelayMs, 'BLOB_RETRY_DELAY_MS', 500, 0);

  const checked = options.functions.map(checkDefinition);
  const clients = new StorageClients(BlobServiceClient, options.connectionString, options.connections);
  const hostId = hostIdOf(options.hostId);
  const watchers: Watcher[] = await Promise.all(checked.map((c) => openWatcher(c, clients, hostId, logger)));
  const jobs = new BlobJobs({
    clients,
    invoke: createInvoker({ logger, hooks: options.hooks, functionTimeoutMs: functionTimeoutOf(options) }),
    logger,
    parallelism,
    maxAttempts,
    retryDelayMs,
  });
  const scanner = new ContainerScanner({
    // Event Grid functions run on events only, as in Azure (no container scan for them).
    watchers: watchers.filter((w) => !w.eventGrid),
    pollIntervalMs,
    logger,
    consider: (w, item) => jobs.consider(w, item),
    backlogged: () => jobs.backlogged,
  });
  scanner.start();
  const eventGrid = watchers.filter((w) => w.eventGrid);
  let webhook: BlobWebhook | undefined;
  let announcer: BlobAnnouncer | undefined;
  let announcing: ContainerScanner | undefined;
  if (eventGrid.length > 0) {
    webhook = await startBlobWebhook({
      host: '127.0.0.1',
      port: options.webhookPort ?? portSetting(process.env, 'BLOB_WEBHOOK_PORT', 0),
      watchers: eventGrid,
      enqueue: (w, name, etag) => jobs.enqueue(w, name, etag),
      logger,
    });
    if (options.announceBlobs ?? true) {
      const a = (announcer = new BlobAnnouncer({ webhookUrl: webhook.url, logger }));
      // Each function is either polled (scanner) or announced, never both.
      announcing = new ContainerScanner({
        watchers: eventGrid,
        pollIntervalMs,
        logger,
        consider: (w, item) => a.consider(w, item),
        backlogged: () => jobs.backlogged,
      });
      announcing.start();
    }
  }
  // Work not finished: queued or running jobs, events waiting behind a version in flight, posts unanswered.
  const busy = () => jobs.busy || (webhook?.deferred ?? 0) > 0 || (announcer?.pending ?? false);

  let closing: Promise<void> | undefined;
  return {
    name: 'blob',
    parallelism,
    webhookUrl: webhook?.url,
    describe: () => [
      ...watchers.map(describeWatcher),
      ...eventGrid.map(
        (w) => `  Event Grid webhook ${webhook!.url}?functionName=Host.Functions.${w.fn.name}`,
      ),
      ...(announcer
        ? [`  new blobs announced to it every ${pollIntervalMs} ms (Azurite sends no Event Grid events)`]
        : []),
    ],
    idle: async () => {
      await Promise.all([scanner.quiet(busy), announcing?.quiet(busy)]);
    },
    close: () =>
      (closing ??= (async () => {
        // The webhook stops listening first: an event arriving now is refused (Event Grid delivers it again),
        // never acknowledged and then dropped. Then the jobs, so a scan queues nothing more; running
        // invocations finish.
        const unhooked = webhook?.close();
        const draining = jobs.close();
        await announcing?.close();
        await announcer?.close();
        await unhooked;
        await scanner.close();
        await draining;
        clients.close();
      })()),
  };
}
