import { ServiceBusClient, type ServiceBusReceivedMessage } from '@azure/service-bus';
import { BlobServiceClient } from '@azure/storage-blob';

export async function waitForBlob(
  storage: string,
  container: string,
  name: string,
  timeoutMs = 20_000,
): Promise<unknown> {
  const blob = BlobServiceClient.fromConnectionString(storage)
    .getContainerClient(container)
    .getBlobClient(name);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await blob.exists()) return JSON.parse((await blob.downloadToBuffer()).toString('utf8'));
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${container}/${name} did not appear within ${timeoutMs} ms`);
}

export async function upload(
  storage: string,
  name: string,
  bytes: Buffer,
  container = 'images',
  metadata?: Record<string, string>,
): Promise<void> {
  const c = BlobServiceClient.fromConnectionString(storage).getContainerClient(container);
  await c.createIfNotExists();
  await c.getBlockBlobClient(name).uploadData(bytes, metadata ? { metadata } : {});
}

/** Collects replies until every correlation id in `ids` has one (or time runs out). */
export async function replies(
  client: ServiceBusClient,
  ids: string[],
  timeoutMs = 20_000,
): Promise<Map<string, ServiceBusReceivedMessage>> {
  const receiver = client.createReceiver('scoring-replies', { receiveMode: 'receiveAndDelete' });
  const want = new Set(ids);
  const got = new Map<string, ServiceBusReceivedMessage>();
  const deadline = Date.now() + timeoutMs;
  while (got.size < want.size && Date.now() < deadline) {
    for (const m of await receiver.receiveMessages(100, { maxWaitTimeInMs: 500 })) {
      if (want.has(String(m.correlationId))) got.set(String(m.correlationId), m);
    }
  }
  await receiver.close();
  return got;
}
