import { createHmac } from 'node:crypto';
import type { StorageAccount } from './storage-account.js';

/** The storage REST version the local host's own clients (blob-rest.ts, storage-queue.ts) speak. */
const STORAGE_API_VERSION = '2021-12-02';

/**
 * The Shared Key `Authorization` header for the Blob/Queue services (version 2009-09-19 and later).
 * Hand-written for the local host's own REST calls: the poison queue (@azure/storage-queue is not a
 * dependency for two calls) and the per-blob read and write (blob-rest.ts, cheaper than the SDK).
 * https://learn.microsoft.com/rest/api/storageservices/authorize-with-shared-key
 */
export function sharedKeyAuthorization(
  account: { name: string; key: string },
  method: string,
  url: URL,
  headers: Record<string, string>,
): string {
  const h = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const length = h.get('content-length');
  const standard = [
    method.toUpperCase(),
    h.get('content-encoding') ?? '',
    h.get('content-language') ?? '',
    length === undefined || length === '0' ? '' : length,
    h.get('content-md5') ?? '',
    h.get('content-type') ?? '',
    '', // Date: x-ms-date is used instead
    h.get('if-modified-since') ?? '',
    h.get('if-match') ?? '',
    h.get('if-none-match') ?? '',
    h.get('if-unmodified-since') ?? '',
    h.get('range') ?? '',
  ];
  const msHeaders = [...h]
    .filter(([k]) => k.startsWith('x-ms-'))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}:${v.trim()}\n`)
    .join('');
  const query = new Map<string, string[]>();
  for (const [k, v] of url.searchParams) {
    const key = k.toLowerCase();
    query.set(key, [...(query.get(key) ?? []), v]);
  }
  const resource =
    `/${account.name}${url.pathname}` +
    [...query.keys()]
      .sort()
      .map((k) => `\n${k}:${query.get(k)!.sort().join(',')}`)
      .join('');
  const stringToSign = standard.join('\n') + '\n' + msHeaders + resource;
  const signature = createHmac('sha256', Buffer.from(account.key, 'base64'))
    .update(stringToSign, 'utf8')
    .digest('base64');
  return `SharedKey ${account.name}:${signature}`;
}

/**
 * `headers` plus what every storage REST call carries: x-ms-date, x-ms-version, content-length, and with an
 * account key (and no SAS, which then sits in the URL) the Shared Key authorization over all of them, or
 * with an identity the `bearer` authorization (see bearer-token.ts).
 */
export function storageRequestHeaders(
  account: StorageAccount,
  method: string,
  url: URL,
  headers: Record<string, string>,
  bodyBytes: number,
  bearer?: string,
): Record<string, string> {
  const out: Record<string, string> = {
    ...headers,
    'x-ms-date': new Date().toUTCString(),
    'x-ms-version': STORAGE_API_VERSION,
    'content-length': String(bodyBytes),
  };
  if (bearer) {
    out.authorization = bearer;
  } else if (account.key && !account.sas) {
    out.authorization = sharedKeyAuthorization({ name: account.name, key: account.key }, method, url, out);
  }
  return out;
}
