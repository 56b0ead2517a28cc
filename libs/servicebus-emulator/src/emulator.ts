// Public entry point: start a broker on a TCP port and get the connection string for it.
import type { AddressInfo, Server, Socket } from 'node:net';
import { createContainer } from './amqp.js';
import { Broker, MAX_MESSAGE_SIZE } from './broker.js';
import type { CbsTokenValidation } from './cbs-token.js';
import { QueueJournal } from './journal.js';
import { lockDataDir } from './data-dir-lock.js';
import type { EntitySettings } from './queue.js';

export interface QueueOptions {
  /** Deliveries before a message is dead-lettered with reason MaxDeliveryCountExceeded. Default 10. */
  maxDeliveryCount?: number;
  /** Peek-lock duration. Default 30000 (30 s), Service Bus's default. */
  lockDurationMs?: number;
  /**
   * Largest message a sender may put on the queue, in bytes as encoded (a batch counts as one): advertised
   * on its send links, and a larger transfer is refused with MessageSizeExceeded. Default 262144 (256 KB,
   * the Standard tier's limit; Premium's is set per queue, 1 MB to 100 MB).
   */
  maxMessageSizeBytes?: number;
}

export interface EmulatorOptions {
  /** TCP port; 0 picks a free one (read it back from `emulator.port`). Default 5672. */
  port?: number;
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
  /** Queues to create, by name (with per-queue options) or as a plain list of names. */
  queues: Record<string, QueueOptions> | string[];
  /** Receives one line per notable event (links, redeliveries, dead-lettering, errors). */
  logger?: (msg: string) => void;
  /**
   * Keeps the queues in this folder (an append-only log, fdatasync'ed before a send is settled) and reloads
   * them on start, so messages survive a restart or a crash as on Service Bus. Default: in memory only.
   */
  dataDir?: string;
  /** Check the Entra ID tokens (JWT) clients put on $cbs: signature, audience, lifetime (cbs-token.ts). */
  tokens?: CbsTokenValidation;
}

export interface QueueDepth {
  /** Waiting to be received. */
  active: number;
  /** Received in peek-lock mode and not settled yet. */
  locked: number;
  /** In the dead-letter sub-queue (waiting or locked). */
  deadLettered: number;
}

export interface ServiceBusEmulator {
  readonly host: string;
  readonly port: number;
  /** For `new ServiceBusClient(connectionString)`. */
  readonly connectionString: string;
  /** Message counts of a queue, for assertions in tests. */
  queueDepth(queue: string): QueueDepth;
  /** Where the queues are kept, or undefined when in memory only. */
  readonly dataDir: string | undefined;
  /** Messages read back from `dataDir` on start. */
  readonly restoredMessages: number;
  /** Disconnects all clients and stops listening. Messages in memory are discarded; `dataDir` keeps its own. */
  close(): Promise<void>;
}

export const DEFAULT_PORT = 5672;
export const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_MAX_DELIVERY_COUNT = 10;
const DEFAULT_LOCK_DURATION_MS = 30_000;
/** How long clients get to see the AMQP close before their sockets are cut. */
const CLOSE_GRACE_MS = 200;

export function emulatorConnectionString(host: string, port: number): string {
  // A wildcard listen address is not something a client can connect to.
  const target = host === '0.0.0.0' || host === '::' ? DEFAULT_HOST : host;
  const endpoint = target.includes(':') ? `[${target}]` : target;
  return (
    `Endpoint=sb://${endpoint}:${port};SharedAccessKeyName=RootManageSharedAccessKey;` +
    'SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true'
  );
}

export async function startServiceBusEmulator(opts: EmulatorOptions): Promise<ServiceBusEmulator> {
  const queues = normalizeQueues(opts.queues);
  const host = opts.host ?? DEFAULT_HOST;
  const requestedPort = opts.port ?? DEFAULT_PORT;
  if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65535) {
    throw new Error(`Invalid port ${requestedPort}: use 0 (any free port) or 1-65535.`);
  }
  const log = opts.logger ?? (() => {});
  let journal: QueueJournal | undefined;
  let restoredMessages = 0;
  let unlock = () => {};
  let broker: Broker;
  if (opts.dataDir) {
    unlock = lockDataDir(opts.dataDir);
    const opened = await QueueJournal.open(
      opts.dataDir,
      () => broker.storedMessages(),
      () => broker.storedCount(),
    ).catch((e: unknown) => {
      unlock();
      throw e;
    });
    journal = opened.journal;
    broker = new Broker(queues, log, journal);
    broker.restore(opened.restored);
    restoredMessages = [...opened.restored.values()].reduce((n, ms) => n + ms.length, 0);
  } else {
    broker = new Broker(queues, log);
  }
  const container = createContainer(`servicebus-emulator-${process.pid}`);
  broker.cbsTokens = opts.tokens;
  broker.attach(container);

  const server = container.listen({ host, port: requestedPort });
  server.once('error', () => {
    void journal?.close();
    unlock();
  });
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await listening(server, host, requestedPort);
  const port = (server.address() as AddressInfo).port;
  const connectionString = emulatorConnectionString(host, port);
  log(`Service Bus emulator listening on ${host}:${port} with queues: ${Object.keys(queues).join(', ')}`);

  let closing: Promise<void> | undefined;
  return {
    host,
    port,
    connectionString,
    dataDir: opts.dataDir,
    restoredMessages,
    queueDepth(queue: string): QueueDepth {
      const pair = broker.queue(queue);
      if (!pair) throw new Error(`Queue '${queue}' is not configured in this emulator.`);
      const active = pair.active.depth();
      const dead = pair.deadLetter.depth();
      return { active: active.active, locked: active.locked, deadLettered: dead.active + dead.locked };
    },
    close(): Promise<void> {
      closing ??= shutDown(server, sockets, broker).then(async () => {
        await journal?.close();
        unlock();
      });
      return closing;
    },
  };
}

function normalizeQueues(queues: EmulatorOptions['queues']): Record<string, EntitySettings> {
  const entries: [string, QueueOptions][] = Array.isArray(queues)
    ? queues.map((name) => [name, {}])
    : Object.entries(queues);
  if (entries.length === 0) throw new Error('Configure at least one queue (EmulatorOptions.queues).');
  const result: Record<string, EntitySettings> = {};
  const seen = new Set<string>();
  for (const [name, options] of entries) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,259}$/.test(name)) {
      throw new Error(
        `Invalid queue name '${name}': use letters, digits, '.', '-' and '_' (starting with a letter or digit).`,
      );
    }
    if (seen.has(name.toLowerCase()))
      throw new Error(`Queue '${name}' is configured twice (names are case-insensitive).`);
    seen.add(name.toLowerCase());
    const maxDeliveryCount = options.maxDeliveryCount ?? DEFAULT_MAX_DELIVERY_COUNT;
    const lockDurationMs = options.lockDurationMs ?? DEFAULT_LOCK_DURATION_MS;
    if (!Number.isInteger(maxDeliveryCount) || maxDeliveryCount < 1) {
      throw new Error(`Queue '${name}': maxDeliveryCount must be an integer >= 1, got ${maxDeliveryCount}.`);
    }
    if (!Number.isFinite(lockDurationMs) || lockDurationMs < 1) {
      throw new Error(
        `Queue '${name}': lockDurationMs must be a positive number of milliseconds, got ${lockDurationMs}.`,
      );
    }
    const maxMessageSizeBytes = options.maxMessageSizeBytes ?? MAX_MESSAGE_SIZE;
    if (!Number.isInteger(maxMessageSizeBytes) || maxMessageSizeBytes < 1024) {
      throw new Error(
        `Queue '${name}': maxMessageSizeBytes must be an integer >= 1024, got ${maxMessageSizeBytes}.`,
      );
    }
    result[name] = { maxDeliveryCount, lockDurationMs, maxMessageSizeBytes };
  }
  return result;
}

function listening(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      const hint =
        err.code === 'EADDRINUSE'
          ? ` Port ${port} is in use (another emulator or broker?): pick another port or use 0 for a free one.`
          : '';
      reject(
        new Error(`The Service Bus emulator could not listen on ${host}:${port}: ${err.message}.${hint}`),
      );
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
  });
}

async function shutDown(server: Server, sockets: Set<Socket>, broker: Broker): Promise<void> {
  const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
  broker.close();
  if (sockets.size > 0) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, CLOSE_GRACE_MS);
      const check = () => {
        if (sockets.size === 0) {
          clearTimeout(timer);
          resolve();
        }
      };
      for (const socket of sockets) socket.once('close', check);
    });
  }
  for (const socket of sockets) socket.destroy();
  await stopped;
}
