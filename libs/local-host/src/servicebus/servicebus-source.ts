import azf from '@azure/functions';
import type { ServiceBusClient, ServiceBusReceivedMessage, ServiceBusReceiver } from '@azure/service-bus';
import { pino } from 'pino';
import type { ServiceBusFunctionDefinition, HostLogger, InvocationHooks } from '@modelfn/functions';
import { functionTimeoutOf } from '../invocation/function-timeout.js';
import { createInvoker, mountFunction, type MountedFunction } from '../invocation/invoke.js';
import type { RunningSource } from '../running-source.js';
import { triggerBody, triggerMetadata } from './trigger-metadata.js';

export interface ServiceBusSourceOptions {
  functions: ServiceBusFunctionDefinition[];
  /** Connection strings by setting name (defaults to process.env). */
  settings?: Record<string, string | undefined>;
  /** Concurrent invocations per function (host.json maxConcurrentCalls). */
  maxConcurrentCalls?: number;
  /** Messages per invocation for `cardinality: 'many'` (host.json maxMessageBatchSize). */
  maxMessageBatchSize?: number;
  /** The app's host.json, for its `functionTimeout`. */
  hostJsonPath?: string;
  /**
   * host.json `functionTimeout` in ms, past which an invocation fails (the source settles it as any
   * failure). Default: the app's host.json (hostJsonPath), else the Functions host's default (30 min).
   */
  functionTimeoutMs?: number;
  logger?: HostLogger;
  /** Run around every invocation (logs, metrics), as `app.hook.preInvocation/postInvocation` in Azure. */
  hooks?: InvocationHooks;
}

export interface ServiceBusSource extends RunningSource {
  /** Invocations so far, by function name (tests use it to check nothing ran twice). */
  invocations: Map<string, number>;
}

const { trigger } = azf;

/**
 * Runs Service Bus queue functions as the Functions host does: peek-lock, complete after the handler
 * returns, abandon when it throws (the broker redelivers and dead-letters after maxDeliveryCount).
 */
export async function startServiceBusSource(opts: ServiceBusSourceOptions): Promise<ServiceBusSource> {
  // Loaded on first use: the SDK takes ~0.2 s to import, which a host serving only HTTP should not pay.
  const { ServiceBusClient } = await import('@azure/service-bus');
  const settings = opts.settings ?? process.env;
  const logger = opts.logger ?? pino({ name: 'servicebus-source', level: process.env.LOG_LEVEL || 'info' });
  const invoke = createInvoker({ logger, hooks: opts.hooks, functionTimeoutMs: functionTimeoutOf(opts) });
  const concurrency = opts.maxConcurrentCalls ?? 16;
  const batchSize = opts.maxMessageBatchSize ?? 64;
  const clients = new Map<string, ServiceBusClient>();
  const receivers: ServiceBusReceiver[] = [];
  const invocations = new Map<string, number>();
  let closed = false;
  const loops: Promise<void>[] = [];

  for (const f of opts.functions) {
    const { connection, queueName, cardinality } = f.options;
    const cs = settings[connection];
    if (!cs)
      throw new Error(
        `function ${f.name}: app setting ${connection} (Service Bus connection string) is not set`,
      );
    const client = clients.get(cs) ?? new ServiceBusClient(cs);
    clients.set(cs, client);
    const many = cardinality === 'many';
    const fn: MountedFunction = mountFunction(
      f,
      trigger.serviceBusQueue({ connection, queueName, cardinality }),
    );
    const where = { functionName: f.name, queue: queueName };

    /** One invocation over what one receive returned, settled as the host settles it. */
    const run = async (receiver: ServiceBusReceiver, messages: ServiceBusReceivedMessage[]) => {
      invocations.set(f.name, (invocations.get(f.name) ?? 0) + 1);
      const bodies = messages.map(triggerBody);
      const done = await invoke(fn, {
        input: many ? bodies : bodies[0],
        triggerMetadata: triggerMetadata(messages, many),
        logFields: { queue: queueName },
      });
      if (!done.ok) {
        logger.warn(
          { ...where, err: done.error, messages: messages.length },
          `${f.name} failed; abandoning ${messages.length} message(s) for redelivery`,
        );
        await Promise.all(messages.map((m) => receiver.abandonMessage(m).catch(() => undefined)));
        return;
      }
      await Promise.all(
        messages.map((m) =>
          receiver
            .completeMessage(m)
            .catch((e: unknown) => logger.warn({ ...where, err: e }, `${f.name}: complete failed`)),
        ),
      );
    };

    // Each loop has its own receiver (an SDK receiver takes one receive call at a time) and takes up to a
    // batch, runs it, settles it: `concurrency` loops give maxConcurrentCalls.
    const loop = async () => {
      const receiver = client.createReceiver(queueName, { receiveMode: 'peekLock' });
      receivers.push(receiver);
      while (!closed) {
        let messages: ServiceBusReceivedMessage[];
        try {
          messages = await receiver.receiveMessages(many ? batchSize : 1, { maxWaitTimeInMs: 1000 });
        } catch (e) {
          if (closed) return;
          logger.warn({ ...where, err: e }, `${f.name}: receive failed; retrying`);
          await new Promise((r) => setTimeout(r, 500));
          continue;
        }
        if (messages.length > 0) await run(receiver, messages);
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
