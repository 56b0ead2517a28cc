// Child process: Service Bus messages/s, request to reply. The AMQP emulator, the local host's Service Bus
// source and apps/score-servicebus's own function definitions run here, in one process, as `npm start`
// runs them; the sender and the reply receiver too. argv[2]: message count. Settings from the environment.
import { ServiceBusClient, type ServiceBusMessage } from '@azure/service-bus';
import { startServiceBusSource } from '@modelfn/local-host';
import { sharedScorer } from '@modelfn/scoring';
import { startServiceBusEmulator } from '@modelfn/servicebus-emulator';
import { loadMnist } from '@modelfn/train-mnist';
import { RESULT_MARK } from '../load/wrk-script.js';
import { pixelText } from '../bodies.js';

const count = Number(process.argv[2]);
const concurrentCalls = Number(process.env.SERVICEBUS_MAX_CONCURRENT_CALLS) || 4;
const batchSize = Number(process.env.SERVICEBUS_MAX_BATCH_SIZE) || 64;
const emulator = await startServiceBusEmulator({
  port: 0,
  queues: { 'scoring-requests': { maxDeliveryCount: 10 }, 'scoring-replies': {} },
});
process.env.ServiceBusConnection = emulator.connectionString;
// The app reads its settings when imported, so only now.
const { serviceBusFunctions, closeReplySenders } = await import('@modelfn/score-servicebus');
const source = await startServiceBusSource({
  functions: serviceBusFunctions,
  maxConcurrentCalls: concurrentCalls,
  maxMessageBatchSize: batchSize,
});
const client = new ServiceBusClient(emulator.connectionString);

const images = loadMnist('test').images;
const digit = (i: number) =>
  Array.from(images.subarray((i % 10_000) * 784, ((i % 10_000) + 1) * 784), (p) => Number(pixelText(p)));
const messages: ServiceBusMessage[] = Array.from({ length: count }, (_, i) => ({
  // Distinct rows (a unique corner value), so every message is a cache miss like a fresh request.
  body: { data: [[(i + 1) * 1e-9, ...digit(i).slice(1)]] },
  correlationId: `bench-${i}`,
  contentType: 'application/json',
}));

// One warm-up message, so the first timed reply does not include loading the model.
const sender = client.createSender('scoring-requests');
const receiver = client.createReceiver('scoring-replies', { receiveMode: 'receiveAndDelete' });
await sender.sendMessages({ body: { data: [digit(count)] }, correlationId: 'warm-up' });
await receiver.receiveMessages(1, { maxWaitTimeInMs: 30_000 });

const started = performance.now();
const sending = (async () => {
  let batch = await sender.createMessageBatch();
  for (const m of messages) {
    if (!batch.tryAddMessage(m)) {
      await sender.sendMessages(batch);
      batch = await sender.createMessageBatch();
      batch.tryAddMessage(m);
    }
  }
  await sender.sendMessages(batch);
})();
// Delivery is at least once: a redelivered request can be answered twice, so replies are counted by id.
const answered = new Set<string>();
let errors = 0;
const deadline = Date.now() + 120_000;
while (answered.size < count && Date.now() < deadline) {
  for (const r of await receiver.receiveMessages(256, { maxWaitTimeInMs: 200 })) {
    if (typeof r.correlationId === 'string' && r.correlationId.startsWith('bench-'))
      answered.add(r.correlationId);
    if (r.applicationProperties?.status === 'error') errors++;
  }
}
const replies = answered.size;
const seconds = (performance.now() - started) / 1000;
await sending;
process.stdout.write(
  `${RESULT_MARK}${JSON.stringify({ count, replies, errors, seconds, concurrentCalls, batchSize })}\n`,
);
await receiver.close();
await sender.close();
await source.close();
await closeReplySenders();
// onnxruntime aborts the process (Napi::Error) when it exits with sessions alive: the parent then saw a
// signal, not exit 0, and the row was reported as failed after its result line.
await (await sharedScorer()).close();
await client.close();
await emulator.close();
process.exit(0);
