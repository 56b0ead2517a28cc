import azf from '@azure/functions';
import type { ServiceBusClient, ServiceBusReceivedMessage, ServiceBusReceiver } from '@azure/service-bus';
import { pino } from 'pino';
import type { ServiceBusFunctionDefinition, HostLogger, InvocationHooks } from '@modelfn/functions';
import { DEFAULT_MAX_AUTO_LOCK_RENEWAL_MS, maxAutoLockRenewalFromHostJson } from '../host-json.js';
import { functionTimeoutOf } from '../invocation/function-timeout.js';
import { createInvoker, mountFunction, type MountedFunction } from '../invocation/invoke.js';
import type { RunningSource } from '../running-source.js';
import { LockRenewals } from './lock-renewals.js';
import { MessagePump } from './message-pump.js';
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
  /**
   * How long a message's lock is renewed while it waits for or runs in an invocation (host.json
   * `extensions.serviceBus.maxAutoLockRenewalDuration`). Default: the app's host.json, else 5 min.
   */
  maxAutoLockRenewalDurationMs?: number;
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
 * Runs Service Bus queue functions as the Functions host does: peek-lock, locks renewed while a message waits
 * and runs (up to maxAutoLockRenewalDuration, see lock-renewals.ts), complete after the handler returns, abandon when it throws
 * (the broker redelivers and dead-letters after maxDeliveryCount).
 *
 * Messages come from one subscribe() per function, never from receiveMessages(): the latter drains the
 * link's leftover credit before it returns and, when the broker's answer takes over 200 ms (a busy event
 * loop on either side is enough), closes the link, which gives back every message it carried, and still
 * returns them. Those were then answered twice: here, and by whoever the broker gave them to next.
 */
export async function startServiceBusSource(opts: ServiceBusSourceOptions): Promise<ServiceBusSource> {
  // Loaded on first use: the SDK takes ~0.2 s to import, which a host serving only HTTP should not pay.
  const { ServiceBusClient } = await import('@azure/service-bus');
  const settings = opts.settings ?? process.env;
  const logger = opts.logger ?? pino({ name: 'servicebus-source', level: process.env.LOG_LEVEL || 'info' });
  const invoke = createInvoker({ logger, hooks: opts.hooks, functionTimeoutMs: functionTimeoutOf(opts) });
  const concurrency = opts.maxConcurrentCalls ?? 16;
  const batchSize = opts.maxMessageBatchSize ?? 64;
  const lockRenewalMs =
    opts.maxAutoLockRenewalDurationMs ??
    (opts.hostJsonPath
      ? maxAutoLockRenewalFromHostJson(opts.hostJsonPath)
      : DEFAULT_MAX_AUTO_LOCK_RENEWAL_MS);
  const clients = new Map<string, ServiceBusClient>();
  const invocations = new Map<string, number>();
  let closed = false;
  const pumps: {
    pump: MessagePump<ServiceBusReceivedMessage>;
    receiver: ServiceBusReceiver;
    locks: LockRenewals<ServiceBusReceivedMessage>;
  }[] = [];

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

    const receiver = client.createReceiver(queueName, {
      receiveMode: 'peekLock',
      // Renewed by LockRenewals instead: the SDK's renewer gives up at its first failed renewal.
      maxAutoLockRenewalDurationInMs: 0,
    });
    const locks = new LockRenewals<ServiceBusReceivedMessage>(receiver, lockRenewalMs, logger, where);

    /** One invocation over a batch, settled as the host settles it. */
    const run = async (messages: ServiceBusReceivedMessage[]) => {
      invocations.set(f.name, (invocations.get(f.name) ?? 0) + 1);
      const bodies = messages.map(triggerBody);
      let done;
      try {
        done = await invoke(fn, {
          input: many ? bodies : bodies[0],
          triggerMetadata: triggerMetadata(messages, many),
          logFields: { queue: queueName },
        });
      } finally {
        for (const m of messages) locks.release(m);
      }
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

    const pump = new MessagePump<ServiceBusReceivedMessage>(many ? batchSize : 1, concurrency, run, logger);
    pumps.push({ pump, receiver, locks });
    receiver.subscribe(
      {
        processMessage: (m) => {
          if (!closed) locks.hold(m);
          return pump.take(m);
        },
        processError: async ({ error, errorSource }) => {
          if (!closed) logger.warn({ ...where, err: error, errorSource }, `${f.name}: ${errorSource} failed`);
        },
      },
      // The link's credit is what may wait or run at once.
      { autoCompleteMessages: false, maxConcurrentCalls: concurrency * (many ? batchSize : 1) },
    );
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
      // Running invocations settle their messages; the ones still waiting go back to the queue at once.
      await Promise.all(
        pumps.map(async ({ pump, receiver, locks }) => {
          const left = await pump.stop();
          locks.releaseAll();
          await Promise.all(left.map((m) => receiver.abandonMessage(m).catch(() => undefined)));
        }),
      );
      await Promise.all(pumps.map(({ receiver }) => receiver.close().catch(() => undefined)));
      await Promise.all([...clients.values()].map((c) => c.close().catch(() => undefined)));
    },
  };
}
