import azf from '@azure/functions';
import type { ContainerClient } from '@azure/storage-blob';
import type { BlobFunctionDefinition, HostLogger } from '@modelfn/functions';
import { mountFunction, type MountedFunction } from '../invocation/invoke.js';
import { checkOutputs, type BlobOutputBinding } from './blob-outputs.js';
import { parseTriggerPath, resolveBlobPath, type BlobPathPattern } from './blob-path.js';
import { BlobReceipts, HOSTS_CONTAINER } from './blob-receipts.js';
import { BlobSourceError } from './blob-source-error.js';
import { POISON_QUEUE } from './poison-message.js';
import type { StorageClients } from './storage-clients.js';
import { StorageQueue } from './storage-queue.js';

const { trigger } = azf;

/**
 * Receipts collected per journal append. Measured with the bench's blob child (1,000 PNGs): 279 appends at
 * once, each costing Azurite ~3 ms and more as the journal grows; with this window, about one per window.
 */
export const RECEIPT_BATCH_MS = 200;

/** One blob-triggered function, mounted: what it watches, where it writes, what it has already handled. */
export interface Watcher {
  fn: MountedFunction;
  connection: string;
  pattern: BlobPathPattern;
  container: ContainerClient;
  receipts: BlobReceipts;
  poison: StorageQueue;
  output: BlobOutputBinding | undefined;
  extraOutputs: BlobOutputBinding[];
  /** `source: 'EventGrid'`: triggered by Event Grid events posted to the webhook, never by polling. */
  eventGrid: boolean;
}

interface CheckedDefinition {
  definition: BlobFunctionDefinition;
  pattern: BlobPathPattern;
  output: BlobOutputBinding | undefined;
  extraOutputs: BlobOutputBinding[];
}

/** Refuses, before anything starts, what the local blob source cannot run as the Functions host would. */
export function checkDefinition(definition: BlobFunctionDefinition): CheckedDefinition {
  const { name, options } = definition;
  const pattern = parseTriggerPath(options.path);
  if (options.extraInputs?.length) {
    throw new BlobSourceError(
      'UNSUPPORTED_BINDING',
      `function "${name}" has extra inputs; the local blob source supports only its trigger and blob outputs`,
    );
  }
  const output = options.return ? checkOutputs(name, [options.return])[0] : undefined;
  const extraOutputs = checkOutputs(name, options.extraOutputs ?? []);
  // An output path naming a parameter the trigger does not bind fails here, not on every blob.
  const sample = Object.fromEntries(pattern.params.map((p) => [p, 'x']));
  for (const o of [output, ...extraOutputs]) if (o) resolveBlobPath(o.path, sample);
  return { definition, pattern, output, extraOutputs };
}

/** Creates the containers, loads the receipts and mounts the function. */
export async function openWatcher(
  checked: CheckedDefinition,
  clients: StorageClients,
  hostId: string,
  logger: HostLogger,
): Promise<Watcher> {
  const { definition, pattern } = checked;
  const { name, options } = definition;
  const service = clients.service(options.connection);
  const hosts = service.getContainerClient(HOSTS_CONTAINER);
  const container = service.getContainerClient(pattern.container);
  // Created so a fresh Azurite works at once; the host would only log that the container is missing.
  await Promise.all([hosts.createIfNotExists(), container.createIfNotExists()]);
  const receipts = await BlobReceipts.load(
    hosts,
    clients.rest(options.connection),
    hostId,
    name,
    pattern.container,
    { flushDelayMs: RECEIPT_BATCH_MS },
  );
  if (receipts.skippedLines > 0) {
    logger.warn(
      { functionName: name, skipped: receipts.skippedLines, journal: receipts.prefix },
      `${receipts.skippedLines} unreadable receipt lines in ${HOSTS_CONTAINER}/${receipts.prefix}; those blobs run again`,
    );
  }
  logger.info(
    { functionName: name, path: options.path, receipts: receipts.size },
    `blob trigger ${name} watches ${service.url.replace(/\/$/, '')}/${options.path}`,
  );
  return {
    fn: mountFunction(
      definition,
      trigger.storageBlob({ path: options.path, connection: options.connection }),
    ),
    connection: options.connection,
    pattern,
    container,
    receipts,
    poison: new StorageQueue(clients.account(options.connection), POISON_QUEUE),
    output: checked.output,
    extraOutputs: checked.extraOutputs,
    eventGrid: options.source === 'EventGrid',
  };
}

/** `blob trigger scoreBlob: http://.../images/{name} -> predictions/{name}.json, ...` */
export function describeWatcher(w: Watcher): string {
  const outputs = [w.output, ...w.extraOutputs].filter((o) => o !== undefined).map((o) => o.path);
  const blobPattern = w.pattern.path.slice(w.pattern.container.length + 1);
  return `blob trigger ${w.fn.name}: ${w.container.url}/${blobPattern} -> ${outputs.join(', ') || 'no outputs'}`;
}
