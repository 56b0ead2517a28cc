import azf from '@azure/functions';
import type { HostLogger, InvocationHooks, StorageQueueFunctionDefinition } from '@modelfn/functions';
import { storageConnection } from '@modelfn/identity';
import { pino } from 'pino';
import { storageAccountOf } from '../blob/storage-account.js';
import { StorageQueue, type ReceivedMessage } from '../blob/storage-queue.js';
import { queueSettingsFromHostJson } from '../host-json.js';
import { functionTimeoutOf } from '../invocation/function-timeout.js';
import { createInvoker, mountFunction, type MountedFunction } from '../invocation/invoke.js';
import { holdMessage } from './message-lease.js';
import type { RunningSource } from '../running-source.js';

export interface QueueSourceOptions {
  functions: StorageQueueFunctionDefinition[];
  /** Connection settings by name (defaults to process.env), as the functions' `connection` names them. */
  settings?: Record<string, string | undefined>;
  /** The app's host.json: `extensions.queues` gives the defaults of the options below. */
  hostJsonPath?: string;
  /** Messages taken per poll (host.json batchSize, default 16, at most 32). */
  batchSize?: number;
  /** Tries before a message goes to `<queue>-poison` (host.json maxDequeueCount, default 5). */
  maxDequeueCount?: number;
  /** How long a failed message stays invisible before its next try (host.json visibilityTimeout, 0). */
  visibilityTimeoutMs?: number;
  /** The longest wait between polls of an empty queue (host.json maxPollingInterval; 1 min in Azure). */
  maxPollingIntervalMs?: number;
  /**
   * How long a taken message stays invisible, renewed at half of it while its invocation runs (the
   * Functions host's 10 min, the default); smaller only in tests.
   */
  leaseSeconds?: number;
  /**
   * host.json `functionTimeout` in ms, past which an invocation fails (the source settles it as any
   * failure). Default: the app's host.json (hostJsonPath), else the Functions host's default (30 min).
   */
  functionTimeoutMs?: number;
  logger?: HostLogger;
  hooks?: InvocationHooks;
}

export interface QueueSource extends RunningSource {
  /** Invocations so far, by function name. */
  invocations: Map<string, number>;
  /** Renewals so far of running invocations' messages' invisibility, by function name. */
  renewals: Map<string, number>;
}

const { trigger } = azf;

/** How long a taken message stays hidden while its invocation runs (the host takes 10 min and renews). */
const LEASE_SECONDS = 600;
const FIRST_POLL_WAIT_MS = 100;

/** What the worker hands a Node handler: parsed JSON when the text is JSON, the text otherwise. */
function triggerInput(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Runs Storage Queue functions as the Functions host's queue listener does: takes a batch with a
 * visibility timeout, invokes each message, deletes it when the handler returns; when it throws, makes it
 * visible again after `visibilityTimeout`, or after the `maxDequeueCount`th try copies it to
 * `<queue>-poison` and deletes it. An empty queue is polled less often, up to `maxPollingInterval`.
 */
export async function startQueueSource(opts: QueueSourceOptions): Promise<QueueSource> {
  const fromHost = opts.hostJsonPath ? queueSettingsFromHostJson(opts.hostJsonPath) : {};
  const settings = opts.settings ?? process.env;
  const logger = opts.logger ?? pino({ name: 'queue-source', level: process.env.LOG_LEVEL || 'info' });
  const invoke = createInvoker({
    logger,
    hooks: opts.hooks,
    functionTimeoutMs: functionTimeoutOf(opts),
  });
  const batchSize = Math.min(32, opts.batchSize ?? fromHost.batchSize ?? 16);
  const maxDequeueCount = opts.maxDequeueCount ?? fromHost.maxDequeueCount ?? 5;
  const releaseSeconds = Math.round((opts.visibilityTimeoutMs ?? fromHost.visibilityTimeoutMs ?? 0) / 1000);
  const maxWaitMs = opts.maxPollingIntervalMs ?? fromHost.maxPollingIntervalMs ?? 60_000;
  const base64 = (fromHost.messageEncoding ?? 'base64') === 'base64';
  const leaseSeconds = opts.leaseSeconds ?? LEASE_SECONDS;
  const invocations = new Map<string, number>();
  const renewals = new Map<string, number>();
  let closed = false;
  const sleepers = new Set<() => void>();
  const loops: Promise<void>[] = [];

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(t);
        sleepers.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      sleepers.add(done);
    });

  for (const f of opts.functions) {
    const { connection, queueName } = f.options;
    const conn = storageConnection(settings, connection);
    if (!conn)
      throw new Error(`function ${f.name}: app setting ${connection} (storage connection) is not set`);
    const account = storageAccountOf(conn);
    const queue = new StorageQueue(account, queueName);
    const poison = new StorageQueue(account, `${queueName}-poison`);
    // The host creates neither; locally the queue is made so `npm start` can be sent to at once.
    await queue.createIfNotExists();
    const fn: MountedFunction = mountFunction(f, trigger.storageQueue({ connection, queueName }));
    const where = { functionName: f.name, queue: queueName };

    const toPoison = async (m: ReceivedMessage) => {
      await poison.createIfNotExists();
      await poison.send(m.text);
      await queue.delete(m.messageId, m.popReceipt);
      logger.warn(
        { ...where, messageId: m.messageId, dequeueCount: m.dequeueCount },
        `${f.name}: message moved to ${queueName}-poison`,
      );
    };

    const run = async (m: ReceivedMessage) => {
      // A message whose last try never settled (the host stopped) is not tried again past the limit.
      if (m.dequeueCount > maxDequeueCount) return toPoison(m);
      invocations.set(f.name, (invocations.get(f.name) ?? 0) + 1);
      const text = base64 ? Buffer.from(m.text, 'base64').toString('utf8') : m.text;
      // Invisible for as long as the invocation runs (a job may take far longer than the lease).
      const lease = holdMessage(queue, m, leaseSeconds, {
        renewed: () => renewals.set(f.name, (renewals.get(f.name) ?? 0) + 1),
        lost: (e) =>
          logger.warn(
            { ...where, err: e, messageId: m.messageId },
            `${f.name}: the running message's invisibility could not be renewed` +
              (e ? '; retrying' : ': it is gone (taken again, or deleted)'),
          ),
      });
      let held: ReceivedMessage;
      let done: Awaited<ReturnType<typeof invoke>>;
      try {
        done = await invoke(fn, {
          input: triggerInput(text),
          triggerMetadata: {
            id: m.messageId,
            dequeueCount: m.dequeueCount,
            popReceipt: m.popReceipt,
            insertionTime: m.insertionTime,
            expirationTime: m.expirationTime,
            nextVisibleTime: m.nextVisibleTime,
            queueTrigger: text,
          },
          logFields: { queue: queueName, messageId: m.messageId },
        });
      } finally {
        // Settled with the pop receipt of the last renewal.
        held = await lease.release();
      }
      if (done.ok) return queue.delete(held.messageId, held.popReceipt);
      if (held.dequeueCount >= maxDequeueCount) return toPoison(held);
      logger.warn(
        { ...where, err: done.error, messageId: held.messageId, dequeueCount: held.dequeueCount },
        `${f.name} failed (try ${held.dequeueCount} of ${maxDequeueCount}); the message becomes visible again`,
      );
      await queue.release(held, releaseSeconds);
    };

    const loop = async () => {
      let wait = FIRST_POLL_WAIT_MS;
      while (!closed) {
        let messages: ReceivedMessage[] = [];
        try {
          messages = await queue.receive(batchSize, leaseSeconds);
        } catch (e) {
          if (closed) return;
          logger.warn({ ...where, err: e }, `${f.name}: receive failed; retrying`);
        }
        if (messages.length === 0) {
          await sleep(wait);
          wait = Math.min(maxWaitMs, wait * 2);
          continue;
        }
        wait = FIRST_POLL_WAIT_MS;
        await Promise.all(
          messages.map((m) =>
            run(m).catch((e: unknown) =>
              logger.warn({ ...where, err: e, messageId: m.messageId }, `${f.name}: settling failed`),
            ),
          ),
        );
      }
    };
    loops.push(loop());
  }

  return {
    name: 'queue',
    describe: () =>
      opts.functions.map(
        (f) =>
          `Storage queue  ${f.options.queueName} -> ${f.name} (batches of ${batchSize}, poison after ${maxDequeueCount} tries)`,
      ),
    invocations,
    renewals,
    async close() {
      closed = true;
      for (const wake of [...sleepers]) wake();
      await Promise.all(loops);
    },
  };
}
