// The queue's max message size, as Service Bus enforces it: advertised on the send link (the SDK sizes
// batches from it) and a larger transfer refused with MessageSizeExceeded, the real client's error.
import { isServiceBusError, ServiceBusClient } from '@azure/service-bus';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServiceBusEmulator, type ServiceBusEmulator } from '../src/index.js';
import { receiveExactly } from './support.js';

let emulator: ServiceBusEmulator;
let client: ServiceBusClient;

beforeAll(async () => {
  emulator = await startServiceBusEmulator({
    port: 0,
    queues: { small: { maxMessageSizeBytes: 4096 }, standard: {} },
  });
  client = new ServiceBusClient(emulator.connectionString);
});
afterAll(async () => {
  await client?.close();
  await emulator?.close();
});

async function refusal(action: () => Promise<unknown>): Promise<string> {
  const err = await action().then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isServiceBusError(err)) throw new Error(`expected a ServiceBusError, got ${String(err)}`);
  expect(err.code).toBe('MessageSizeExceeded');
  return err.message;
}

it("advertises each queue's limit on its send links: 256 KB unless configured", async () => {
  const small = client.createSender('small');
  const standard = client.createSender('standard');
  expect((await small.createMessageBatch()).maxSizeInBytes).toBe(4096);
  expect((await standard.createMessageBatch()).maxSizeInBytes).toBe(256 * 1024);
  await Promise.all([small.close(), standard.close()]);
});

it('refuses a single message over the limit with MessageSizeExceeded, and keeps taking smaller ones', async () => {
  const sender = client.createSender('small');
  // A single message is not measured by the SDK: only the broker can refuse it.
  const message = await refusal(() => sender.sendMessages({ body: Buffer.alloc(5000, 7) }));
  expect(message).toMatch(
    /^The received message \(delivery-id:\d+, size:\d+ bytes\) exceeds the limit \(4096 bytes\)/,
  );
  expect(emulator.queueDepth('small').active).toBe(0);

  // The link is still usable.
  await sender.sendMessages({ body: Buffer.alloc(3000, 1), messageId: 'fits' });
  const receiver = client.createReceiver('small', { receiveMode: 'receiveAndDelete' });
  const [got] = await receiveExactly(receiver, 1);
  expect(got.messageId).toBe('fits');
  expect(Buffer.from(got.body as Uint8Array).length).toBe(3000);
  await Promise.all([sender.close(), receiver.close()]);
});

it('refuses a batch transfer over the limit as a whole', async () => {
  // A batch made for a roomier queue, sent where it does not fit: the broker measures the transfer.
  const roomy = client.createSender('standard');
  const batch = await roomy.createMessageBatch();
  for (let i = 0; i < 4; i++) expect(batch.tryAddMessage({ body: Buffer.alloc(1500, i) })).toBe(true);
  const sender = client.createSender('small');
  await refusal(() => sender.sendMessages(batch));
  expect(emulator.queueDepth('small').active).toBe(0);
  await Promise.all([roomy.close(), sender.close()]);
});
