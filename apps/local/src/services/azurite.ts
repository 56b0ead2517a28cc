import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOSTS_CONTAINER, startAzurite, type RunningSource } from '@modelfn/local-host';
import { blobFunctions } from '@modelfn/score-blob';
import { blobRepositoryPlace } from '@modelfn/scoring';
import type { Logger } from 'pino';
import { portSetting, textSetting, type Env } from '@modelfn/settings';

/**
 * Azurite's data folder: AZURITE_LOCATION (`memory` for in memory only), else one folder per blob port under
 * the OS temp dir. On disk by default so blobs outlive a restart or a crash of the host, as in a storage
 * account; kept on Ctrl-C too.
 */
export function azuriteLocation(env: Env, blobPort: number): string {
  return textSetting(env, 'AZURITE_LOCATION') ?? join(tmpdir(), `modelfn-azurite-${blobPort}`);
}

/**
 * The containers the blob functions read and write (the part of each path before the first '/'), and the
 * model repository's when MODEL_REPOSITORY=blob:<container> is in this Azurite: an app may start on an empty
 * repository and serve what is uploaded (MODEL_CONTROL_MODE=poll), as azd's MODELS_IN_BLOB makes it in Azure.
 */
function blobContainers(env: Env): string[] {
  const paths = blobFunctions.flatMap((f) => [
    f.options.path,
    ...[f.options.return, ...(f.options.extraOutputs ?? [])].map((o) =>
      o && typeof o.path === 'string' ? o.path : undefined,
    ),
  ]);
  const names = paths.filter((p): p is string => !!p).map((p) => p.split('/')[0]);
  const repository = env.MODEL_REPOSITORY?.startsWith('blob:')
    ? blobRepositoryPlace(env.MODEL_REPOSITORY)?.container
    : undefined;
  return [...new Set([HOSTS_CONTAINER, ...names, ...(repository ? [repository] : [])])].filter(
    (n) => !n.includes('{'),
  );
}

/**
 * Blob storage for the blob trigger: an explicit AzureWebJobsStorage (a real account) is used as is;
 * otherwise Azurite starts (ports AZURITE_BLOB_PORT/AZURITE_QUEUE_PORT, default 10000/10001; data in
 * azuriteLocation) and AzureWebJobsStorage is set for the app. The trigger's containers are created here,
 * before the HTTP listener starts, so an upload as soon as `/v2/health/ready` says ready finds them.
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
  const blobPort = portSetting(env, 'AZURITE_BLOB_PORT', 10000);
  const azurite = await startAzurite({
    location: azuriteLocation(env, blobPort),
    onLog: (line) => log.debug({ azurite: line }),
  });
  try {
    const { BlobServiceClient } = await import('@azure/storage-blob');
    const service = BlobServiceClient.fromConnectionString(azurite.connectionString);
    await Promise.all(blobContainers(env).map((c) => service.getContainerClient(c).createIfNotExists()));
  } catch (e) {
    await azurite.stop();
    throw e;
  }
  env.AzureWebJobsStorage = azurite.connectionString;
  log.info({ blobPort: azurite.blobPort, pid: azurite.pid, location: azurite.location }, 'Azurite started');
  return azurite;
}
