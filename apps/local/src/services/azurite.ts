import { startAzurite, type RunningSource } from '@modelfn/local-host';
import type { Logger } from 'pino';
import type { Env } from '@modelfn/settings';

/**
 * Blob storage for the blob trigger: an explicit AzureWebJobsStorage (a real account) is used as is;
 * otherwise Azurite starts (ports AZURITE_BLOB_PORT/AZURITE_QUEUE_PORT, default 10000/10001; data in memory
 * or AZURITE_LOCATION) and AzureWebJobsStorage is set for the app.
 */
export async function startStorageService(env: Env, log: Logger): Promise<RunningSource> {
  const configured = env.AzureWebJobsStorage;
  if (configured && !/UseDevelopmentStorage=true/i.test(configured)) {
    const account = /AccountName=([^;]+)/i.exec(configured)?.[1] ?? 'configured account';
    return {
      name: 'storage',
      describe: () => [`Storage  ${account} (AzureWebJobsStorage)`],
      close: async () => undefined,
    };
  }
  const azurite = await startAzurite({ onLog: (line) => log.debug({ azurite: line }) });
  env.AzureWebJobsStorage = azurite.connectionString;
  log.info({ blobPort: azurite.blobPort, pid: azurite.pid }, 'Azurite started');
  return azurite;
}
