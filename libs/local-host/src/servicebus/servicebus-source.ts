import azureFunctions, { type ServiceBusQueueFunctionOptions } from '@azure/functions';
import type { ServiceBusClient, ServiceBusReceivedMessage, ServiceBusReceiver } from '@azure/service-bus';
import { randomUUID } from 'node:crypto';
import type { RunningSource } from '../http/function-definition.js';
import { triggerBody, triggerMetadata } from './trigger-metadata.js';

export interface ServiceBusSourceOptions {
  functions: { name: string; options: ServiceBusQueueFunctionOptions }[];
  /** Connection strings by setting name (defaults to process.env). */
  settings?: Record<string, string | undefined>;
  /** Concurrent invocations per function (host.json maxConcurrentCalls). */
  maxConcurrentCalls?: number;
  /** Messages per invocation for `cardinality: 'many'` (host.json maxMessageBatchSize). */
  maxMessageBatchSize?: number;
  log?: (msg: string) => void;
}

export interface ServiceBusSource extends RunningSource {
  /** Invocations so far, by function name (tests use it to check nothing ran twice). */
  invocations: Map<string, number>;
}

/**
 * Runs Service Bus queue functions as the Functions host does: peek-lock, complete after the handler
 * returns, abandon when it throws (the broker redelivers and dead-letters after maxDeliveryCount).
 */
export async function startServiceBusSource(opts: ServiceBusSourceOptions): Promise<ServiceBusSource> {
  // Loaded on first use: the SDK takes ~0.2 s to import, which a host serving only HTTP should not pay.
  const { ServiceBusClient } = await import('@azure/service-bus');
  const settings = opts.settings ?? process.env;
  const log = opts.log ?? (() => undefined);
  const concurrency = opts.maxConcurrentCalls ?? 16;
  const batchSize = opts.maxMessageBatchSize ?? 64;
  const clients = new Map<string, ServiceBusClient>();
  const receivers: ServiceBusReceiver[] = [];
  const invocations = new Map<string, number>();
  let closed = false;
  const loops: Promise<void>[] = [];

  for (const f of opts.functions) {
    const cs = settings[f.options.connection];
    if (!cs)
      throw new Error(
        `function ${f.name}: app setting ${f.options.connection} (Service Bus connection string) is not set`,
      );
    const client = clients.get(cs) ?? new ServiceBusClient(cs);
    clients.set(cs, client);
    const many = f.options.cardinality === 'many';

    const invoke = async (receiver: ServiceBusReceiver, messages: ServiceBusReceivedMessage[]) => {
      invocations.set(f.name, (invocations.get(f.name) ?? 0) + 1);
      const context = new azureFunctions.InvocationContext({
        invocationId: randomUUID(),
        functionName: f.name,
        triggerMetadata: triggerMetadata(messages, many),
        logHandler: (level, ...args) => log(`[${f.name}] ${level}: ${args.map(String).join(' ')}`),
      });
      const bodies = messages.map(triggerBody);
      try {
        await f.options.handler(many ? bodies : bodies[0], context);
      } catch (e) {
        log(`[${f.name}] failed, abandoning ${messages.length} message(s): ${(e as Error).message}`);
        await Promise.all(messages.map((m) => receiver.abandonMessage(m).catch(() => undefined)));
        return;
      }
      await Promise.all(
        messages.map((m) =>
          receiver.completeMessage(m).catch((e: Error) => log(`[${f.name}] complete failed: ${e.message}`)),
        ),
      );
    };

    // Each loop has its own receiver (an SDK receiver takes one receive call at a time) and takes up to a
    // batch, runs it, settles it: `concurrency` loops give maxConcurrentCalls.
    const loop = async () => {
      const receiver = client.createReceiver(f.options.queueName, { receiveMode: 'peekLock' });
      receivers.push(receiver);
      while (!closed) {
        let messages: ServiceBusReceivedMessage[];
        try {
          messages = await receiver.receiveMessages(many ? batchSize : 1, { maxWaitTimeInMs: 1000 });
        } catch (e) {
          if (closed) return;
          log(`[${f.name}] receive failed: ${(e as Error).message}; retrying`);
          await new Promise((r) => setTimeout(r, 500));
          continue;
        }
        if (messages.length > 0) await invoke(receiver, messages);
      }
    };
    for (let i = 0; i < concurrency; i++) loops.push(loop());
  }

  return {
    name: 'servicebus',
    describe: () =>
      opts.functions.map(
        (f) =>
          `Service Bus  queue ${f.options.queueName} -> ${f.name} (${f.options.cardinality === 'many' ? `batches of up to ${batchSize}` : 'one message'}, ${concurrency} concurrent)`,
      ),
    invocations,
    async close() {
      closed = true;
      await Promise.all(loops);
      await Promise.all(receivers.map((r) => r.close().catch(() => undefined)));
      await Promise.all([...clients.values()].map((c) => c.close().catch(() => undefined)));
    },
  };
}
