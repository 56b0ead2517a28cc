import { startBlobSource, type BlobSource } from '@modelfn/local-host';
import { blobFunctions, hostJsonPath } from '@modelfn/score-blob';
import type { Logger } from 'pino';
import type { Env } from '@modelfn/settings';
import { invocationHooks } from './observer.js';

/** apps/score-blob's blob function, fed by a poller with the Functions host's receipts and poison queue. */
export function startBlobTrigger(env: Env, log: Logger): Promise<BlobSource> {
  if (!env.AzureWebJobsStorage)
    throw new Error('AzureWebJobsStorage is not set: the blob trigger has no storage account');
  return startBlobSource({
    functions: blobFunctions,
    connectionString: env.AzureWebJobsStorage,
    hostJsonPath,
    logger: log.child({ source: 'blob' }),
    hooks: invocationHooks(log),
  });
}
