import type { ServiceBusQueueFunctionOptions } from '@azure/functions';
import { ServiceBusClient, type ServiceBusReceivedMessage } from '@azure/service-bus';
import { startServiceBusSource } from '@modelfn/local-host';
import { startServiceBusEmulator, type QueueOptions } from '@modelfn/servicebus-emulator';
import { closeReplySenders } from '../../src/reply-sender.js';

/**
 * The AMQP emulator with the app's queues ('scoring-requests' dead-letters at the third delivery), `handler`
 * bound as the app binds its function (batches from 'scoring-requests' on ServiceBusConnection) on the local
 * host's Service Bus source, and a real @azure/service-bus client. `otherQueues` are more queues to reply to;
 * `queueOptions` set queues' options by name (e.g. a smaller max message size for 'scoring-replies').
 * `close` closes the source, the app's reply senders, the client and the emulator, in that order.
 */
export async function startAppOnEmulator(
  handler: ServiceBusQueueFunctionOptions['handler'],
  {
    maxConcurrentCalls,
    otherQueues = [],
    queueOptions = {},
  }: {
    maxConcurrentCalls: number;
    otherQueues?: string[];
    queueOptions?: Record<string, QueueOptions>;
  },
) {
  const emulator = await startServiceBusEmulator({
    port: 0,
    queues: {
      'scoring-requests': { maxDeliveryCount: 3, lockDurationMs: 5000 },
      'scoring-replies': {},
      ...Object.fromEntries(otherQueues.map((q) => [q, {}])),
      ...queueOptions,
    },
  });
  process.env.ServiceBusConnection = emulator.connectionString;
  const options: ServiceBusQueueFunctionOptions = {
    connection: 'ServiceBusConnection',
    queueName: 'scoring-requests',
    cardinality: 'many',
    handler,
  };
  const source = await startServiceBusSource({
    functions: [{ name: 'scoreQueue', options }],
    maxConcurrentCalls,
  });
  const client = new ServiceBusClient(emulator.connectionString);
  const close = async () => {
    await source.close();
    await closeReplySenders();
    await client.close();
    await emulator.close();
  };
  return { emulator, client, close };
}
export type AppOnEmulator = Awaited<ReturnType<typeof startAppOnEmulator>>;

/** Up to `n` messages taken from `queue` (received and deleted), fewer if `timeoutMs` passes first. */
export async function receive(client: ServiceBusClient, queue: string, n: number, timeoutMs = 20_000) {
  const receiver = client.createReceiver(queue, { receiveMode: 'receiveAndDelete' });
  const got: ServiceBusReceivedMessage[] = [];
  try {
    const deadline = Date.now() + timeoutMs;
    while (got.length < n && Date.now() < deadline)
      got.push(...(await receiver.receiveMessages(Math.min(256, n - got.length), { maxWaitTimeInMs: 500 })));
    return got;
  } finally {
    await receiver.close();
  }
}
