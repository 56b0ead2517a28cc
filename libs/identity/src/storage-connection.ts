import type { TokenCredential } from '@azure/identity';
import { SettingError, type Env } from '@modelfn/settings';
import { connectionSettings } from './connection-settings.js';
import { credentialOf } from './credential.js';

/** A storage connection: a connection string, or service endpoints reached with an Entra ID credential. */
export type StorageConnection =
  | { kind: 'connectionString'; connectionString: string }
  | {
      kind: 'identity';
      /** e.g. https://acct.blob.core.windows.net, no trailing slash. */
      blobServiceUri: string;
      queueServiceUri: string;
      credential: TokenCredential;
    };

/** The OAuth scope of Azure Storage tokens. */
export const STORAGE_SCOPE = 'https://storage.azure.com/.default';

const trimSlash = (url: string) => url.replace(/\/+$/, '');

/**
 * Reads the connection named `name` (an app setting; AzureWebJobsStorage for host storage) as the Functions
 * host does: the setting itself is a connection string; otherwise `<name>__accountName`, or
 * `<name>__blobServiceUri` (+ `__queueServiceUri`), with `__credential` / `__clientId`. `credential` replaces
 * the one the settings describe (tests sign their own tokens). Undefined when nothing is configured.
 */
export function storageConnection(
  env: Env,
  name = 'AzureWebJobsStorage',
  credential?: TokenCredential,
): StorageConnection | undefined {
  const s = connectionSettings(env, name);
  if (s.connectionString) return { kind: 'connectionString', connectionString: s.connectionString };
  if (!s.accountName && !s.blobServiceUri) {
    if (s.queueServiceUri) {
      throw new SettingError(
        `${name}__blobServiceUri`,
        `${name}__queueServiceUri is set without ${name}__blobServiceUri (or ${name}__accountName)`,
      );
    }
    return undefined;
  }
  for (const [setting, url] of [
    [`${name}__blobServiceUri`, s.blobServiceUri],
    [`${name}__queueServiceUri`, s.queueServiceUri],
  ] as const) {
    if (url && !/^https?:\/\//i.test(url))
      throw new SettingError(setting, `${setting} must be an https:// URL, got "${url}"`);
  }
  const blob = trimSlash(s.blobServiceUri ?? `https://${s.accountName}.blob.core.windows.net`);
  return {
    kind: 'identity',
    blobServiceUri: blob,
    queueServiceUri: trimSlash(
      s.queueServiceUri ??
        (s.accountName
          ? `https://${s.accountName}.queue.core.windows.net`
          : blob.replace('.blob.', '.queue.')),
    ),
    credential: credential ?? credentialOf(s),
  };
}

/** The credential of the storage connection `name` (for a container URL without a SAS). */
export function storageCredential(env: Env, name = 'AzureWebJobsStorage'): TokenCredential {
  return credentialOf(connectionSettings(env, name));
}
