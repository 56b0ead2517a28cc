/**
 * Azurite's single well-known account (the same name and key as the old Storage Emulator). The key is
 * public by design: it only ever guards a local emulator.
 */
export const DEV_ACCOUNT_NAME = 'devstoreaccount1';
export const DEV_ACCOUNT_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export const DEFAULT_BLOB_PORT = 10000;
export const DEFAULT_QUEUE_PORT = 10001;
export const DEFAULT_TABLE_PORT = 10002;

/** The explicit form of `UseDevelopmentStorage=true` for Azurite listening on the given host and ports. */
export function devConnectionString(
  host: string,
  ports: { blob: number; queue: number; table?: number },
): string {
  const parts = [
    'DefaultEndpointsProtocol=http',
    `AccountName=${DEV_ACCOUNT_NAME}`,
    `AccountKey=${DEV_ACCOUNT_KEY}`,
    `BlobEndpoint=http://${host}:${ports.blob}/${DEV_ACCOUNT_NAME}`,
    `QueueEndpoint=http://${host}:${ports.queue}/${DEV_ACCOUNT_NAME}`,
  ];
  if (ports.table) parts.push(`TableEndpoint=http://${host}:${ports.table}/${DEV_ACCOUNT_NAME}`);
  return parts.join(';') + ';';
}
