import {
  DEFAULT_BLOB_PORT,
  DEFAULT_QUEUE_PORT,
  DEV_ACCOUNT_KEY,
  DEV_ACCOUNT_NAME,
} from '../azurite/dev-account.js';
import type { StorageConnection, TokenCredential } from '@modelfn/identity';
import { BlobSourceError } from './blob-source-error.js';

/** What the local host needs from a storage connection string to reach the queue service itself. */
export interface StorageAccount {
  name: string;
  /** Shared key (base64); absent with a SAS. */
  key?: string;
  /** SAS token without the leading "?". */
  sas?: string;
  /** Microsoft Entra ID (identity-based connection): requests carry its bearer token. */
  credential?: TokenCredential;
  blobEndpoint: string;
  queueEndpoint: string;
}

function parts(connectionString: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const part of connectionString.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    map.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  return map;
}

const trimSlash = (url: string) => url.replace(/\/+$/, '');

/**
 * Parses the connection string forms the Functions host accepts for AzureWebJobsStorage: account + key
 * (with or without explicit endpoints), SAS with endpoints, and `UseDevelopmentStorage=true`.
 */
export function parseConnectionString(connectionString: string): StorageAccount {
  const p = parts(connectionString);
  if (p.get('usedevelopmentstorage')?.toLowerCase() === 'true') {
    const proxy = p.get('developmentstorageproxyuri');
    const host = proxy ? trimSlash(proxy) : 'http://127.0.0.1';
    return {
      name: DEV_ACCOUNT_NAME,
      key: DEV_ACCOUNT_KEY,
      blobEndpoint: `${host}:${DEFAULT_BLOB_PORT}/${DEV_ACCOUNT_NAME}`,
      queueEndpoint: `${host}:${DEFAULT_QUEUE_PORT}/${DEV_ACCOUNT_NAME}`,
    };
  }
  const protocol = p.get('defaultendpointsprotocol') ?? 'https';
  const suffix = p.get('endpointsuffix') ?? 'core.windows.net';
  const blob = p.get('blobendpoint');
  const queue = p.get('queueendpoint');
  let name = p.get('accountname');
  if (!name && blob) {
    // SAS connection strings carry no AccountName; the endpoint has it (host or, for emulators, first path segment).
    const url = new URL(blob);
    name =
      url.hostname.includes('.') && !/^[\d.]+$/.test(url.hostname)
        ? url.hostname.split('.')[0]
        : url.pathname.split('/')[1];
  }
  const key = p.get('accountkey');
  const sas = p.get('sharedaccesssignature')?.replace(/^\?/, '');
  if (!name || (!key && !sas)) {
    throw new BlobSourceError(
      'INVALID_CONNECTION_STRING',
      'the storage connection string needs AccountName and AccountKey (or SharedAccessSignature with BlobEndpoint/QueueEndpoint), ' +
        'or UseDevelopmentStorage=true for Azurite on its default ports',
    );
  }
  return {
    name,
    key,
    sas,
    blobEndpoint: trimSlash(blob ?? `${protocol}://${name}.blob.${suffix}`),
    queueEndpoint: trimSlash(queue ?? `${protocol}://${name}.queue.${suffix}`),
  };
}

/**
 * The account of a connection: a connection string as above, or service URIs with a credential
 * (AzureWebJobsStorage__accountName / __blobServiceUri / __queueServiceUri).
 */
export function storageAccountOf(connection: string | StorageConnection): StorageAccount {
  if (typeof connection === 'string') return parseConnectionString(connection);
  if (connection.kind === 'connectionString') return parseConnectionString(connection.connectionString);
  const url = new URL(connection.blobServiceUri);
  const name =
    url.hostname.includes('.') && !/^[\d.]+$/.test(url.hostname)
      ? url.hostname.split('.')[0]
      : url.pathname.split('/')[1];
  return {
    name,
    credential: connection.credential,
    blobEndpoint: trimSlash(connection.blobServiceUri),
    queueEndpoint: trimSlash(connection.queueServiceUri),
  };
}
