import type { BlobServiceClient } from '@azure/storage-blob';

const ready = new Map<string, Promise<unknown>>();

/** Writes an answer too large for a queue message; the reply names the blob instead. */
export async function writeAnswerBlob(
  service: BlobServiceClient,
  container: string,
  name: string,
  content: string | Buffer,
  contentType = 'application/json',
): Promise<string> {
  const client = service.getContainerClient(container);
  const key = `${service.url} ${container}`;
  let created = ready.get(key);
  if (!created) {
    created = client.createIfNotExists();
    ready.set(key, created);
    created.catch(() => ready.delete(key));
  }
  await created;
  const blob = client.getBlockBlobClient(name);
  const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content);
  await blob.upload(bytes, bytes.length, { blobHTTPHeaders: { blobContentType: contentType } });
  return blob.url.split('?')[0];
}
