import { startBlobSource, type BlobSource } from '@modelfn/local-host';
import { blobFunctions, hostJsonPath } from '@modelfn/score-blob';
import type { Logger } from 'pino';
import type { Env } from '@modelfn/settings';
import { invocationHooks } from './observer.js';

/**
 * apps/score-blob's blob function with the Functions host's receipts, retries and poison queue. With its
 * default `source: 'EventGrid'` it runs on events posted to the blob webhook, which the source's announcer
 * posts for each new blob (Azurite sends none), so uploads and `npm run drop` work unchanged; with
 * BLOB_TRIGGER_SOURCE=LogsAndContainerScan the container is polled instead (never both).
 */
export function startBlobTrigger(env: Env, log: Logger): Promise<BlobSource> {
  if (!env.AzureWebJobsStorage)
    throw new Error('AzureWebJobsStorage is not set: the blob trigger has no storage account');
  return startBlobSource({
    functions: blobFunctions,
    connectionString: env.AzureWebJobsStorage,
    hostJsonPath,
    logger: log.child({ source: 'blob' }),
    hooks: invocationHooks(log),
    announceBlobs: true,
  });
}
