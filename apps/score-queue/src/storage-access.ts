import {
  AccountSASPermissions,
  BlobServiceClient,
  generateAccountSASQueryParameters,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { STORAGE_SCOPE, storageConnection } from '@modelfn/identity';
import { queueSettings } from './settings.js';

/** How a request to the queue service is authorised: a SAS query, or headers (a bearer token). */
export interface QueueAuth {
  query?: string;
  headers?: Record<string, string>;
}

/** The storage account of the app's queues (AzureWebJobsStorage): its queue service and blob service. */
export interface StorageAccess {
  /** e.g. https://acct.queue.core.windows.net, no trailing slash. */
  queueEndpoint: string;
  queueAuth(): Promise<QueueAuth>;
  blobService: BlobServiceClient;
}

function connectionPart(cs: string, key: string): string | undefined {
  for (const part of cs.split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim().toLowerCase() === key.toLowerCase())
      return part.slice(at + 1).trim();
  }
  return undefined;
}

/** The queue endpoint a connection string names, or the one beside its blob endpoint (Azure, Azurite). */
function queueEndpointOf(cs: string, blobUrl: URL): string {
  const explicit = connectionPart(cs, 'QueueEndpoint');
  if (explicit) return explicit.replace(/\/+$/, '');
  const url = new URL(blobUrl.origin + blobUrl.pathname);
  if (url.hostname.includes('.blob.')) url.hostname = url.hostname.replace('.blob.', '.queue.');
  else if (url.port === '10000') url.port = '10001';
  return url.toString().replace(/\/+$/, '');
}

/**
 * The app has no queue SDK (@azure/storage-queue is not a dependency of this workspace), so it speaks the
 * queue REST API itself: an account key signs a short account SAS with the blob SDK, which the queue
 * service accepts alike; an identity-based connection sends the managed identity's token.
 */
export function storageAccess(env: NodeJS.ProcessEnv = process.env): StorageAccess {
  const name = queueSettings.connectionSetting;
  const connection = storageConnection(env, name);
  if (!connection)
    throw new Error(
      `app setting ${name} (or ${name}__queueServiceUri and __blobServiceUri) is not set: replies cannot be sent`,
    );
  if (connection.kind === 'identity') {
    const { credential } = connection;
    return {
      queueEndpoint: connection.queueServiceUri,
      blobService: new BlobServiceClient(connection.blobServiceUri, credential),
      async queueAuth() {
        const token = await credential.getToken(STORAGE_SCOPE);
        if (!token) throw new Error(`no token for ${STORAGE_SCOPE} from the ${name} identity`);
        return { headers: { authorization: `Bearer ${token.token}` } };
      },
    };
  }
  const cs = connection.connectionString;
  const blobService = BlobServiceClient.fromConnectionString(cs);
  const blobUrl = new URL(blobService.url);
  const key = blobService.credential;
  return {
    queueEndpoint: queueEndpointOf(cs, blobUrl),
    blobService,
    async queueAuth() {
      if (!(key instanceof StorageSharedKeyCredential)) return { query: blobUrl.search.replace(/^\?/, '') };
      const sas = generateAccountSASQueryParameters(
        {
          services: 'q',
          resourceTypes: 'sco',
          permissions: AccountSASPermissions.parse('rcwa'),
          startsOn: new Date(Date.now() - 5 * 60_000),
          expiresOn: new Date(Date.now() + 15 * 60_000),
        },
        key,
      );
      return { query: sas.toString() };
    },
  };
}
