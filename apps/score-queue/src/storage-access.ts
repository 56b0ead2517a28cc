import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import { storageConnection } from '@modelfn/identity';
import { queueSettings } from './settings.js';

/** The storage account of the app's queues (AzureWebJobsStorage): its queue service and blob service. */
export interface StorageAccess {
  queues: QueueServiceClient;
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

/**
 * A connection string that names only its blob endpoint (the local host's Azurite strings do) gets the
 * queue endpoint beside it, as the Functions host derives it; the queue SDK would refuse it otherwise.
 */
function withQueueEndpoint(cs: string): string {
  const blob = connectionPart(cs, 'BlobEndpoint');
  if (connectionPart(cs, 'QueueEndpoint') || !blob) return cs;
  const url = new URL(blob);
  if (url.hostname.includes('.blob.')) url.hostname = url.hostname.replace('.blob.', '.queue.');
  else if (url.port === '10000') url.port = '10001';
  return `${cs.replace(/;+$/, '')};QueueEndpoint=${url.toString().replace(/\/+$/, '')};`;
}

/** The clients for AzureWebJobsStorage: a connection string, or an identity-based connection (Azure). */
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
      queues: new QueueServiceClient(connection.queueServiceUri, credential),
      blobService: new BlobServiceClient(connection.blobServiceUri, credential),
    };
  }
  const cs = connection.connectionString;
  return {
    queues: QueueServiceClient.fromConnectionString(withQueueEndpoint(cs)),
    blobService: BlobServiceClient.fromConnectionString(cs),
  };
}
