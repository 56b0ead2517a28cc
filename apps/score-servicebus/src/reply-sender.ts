import { ServiceBusClient, type ServiceBusMessage, type ServiceBusSender } from '@azure/service-bus';
import { serviceBusConnection } from '@modelfn/identity';
import type { Reply } from './replies.js';
import { sbSettings } from './settings.js';

/**
 * Replies go to each request's own `replyTo` queue, which an output binding (fixed queue name) cannot do,
 * so the app sends them with the SDK, one cached sender per queue.
 */
let client: ServiceBusClient | undefined;
const senders = new Map<string, ServiceBusSender>();

/**
 * Premium namespaces take messages up to their entities' max size (1 MB to 100 MB) but batches of at most
 * 1 MB; on Standard both are 256 KB, which the link advertises.
 */
const MAX_BATCH_BYTES = 1024 * 1024;

function serviceBusClient(): ServiceBusClient {
  const name = sbSettings.connectionSetting;
  const connection = serviceBusConnection(process.env, name);
  if (!connection) {
    throw new Error(
      `app setting ${name} (a connection string) or ${name}__fullyQualifiedNamespace is not set: replies cannot be sent`,
    );
  }
  return connection.kind === 'connectionString'
    ? new ServiceBusClient(connection.connectionString)
    : new ServiceBusClient(connection.fullyQualifiedNamespace, connection.credential);
}

function sender(queue: string): ServiceBusSender {
  client ??= serviceBusClient();
  let s = senders.get(queue);
  if (!s) {
    s = client.createSender(queue);
    senders.set(queue, s);
  }
  return s;
}

/**
 * Says a reply another way when it cannot be sent as it is: larger than `limit`, the max message size the
 * reply queue's link advertises (large-reply.ts). What it returns must fit.
 */
export type InPlaceOf = (reply: Reply, limit: number) => Promise<Reply>;

/**
 * Sends each queue's replies in as few batch sends as fit. A reply that fits no batch goes alone when the
 * queue takes a message that large (Premium), else `inPlaceOf` says it another way: a send the broker
 * must refuse (MessageSizeExceeded) would fail the whole invocation, every message of it retried and
 * dead-lettered for good.
 */
export async function sendReplies(replies: Reply[], inPlaceOf: InPlaceOf): Promise<void> {
  const byQueue = new Map<string, Reply[]>();
  for (const r of replies) byQueue.set(r.queue, [...(byQueue.get(r.queue) ?? []), r]);
  await Promise.all([...byQueue].map(([queue, rs]) => sendToQueue(sender(queue), rs, inPlaceOf)));
}

async function sendToQueue(s: ServiceBusSender, replies: Reply[], inPlaceOf: InPlaceOf): Promise<void> {
  // The link's max message size, which the broker sets per namespace tier (or per queue on Premium).
  const limit = (await s.createMessageBatch()).maxSizeInBytes;
  const newBatch = () => s.createMessageBatch({ maxSizeInBytes: Math.min(limit, MAX_BATCH_BYTES) });
  let batch = await newBatch();
  const add = async (message: ServiceBusMessage): Promise<boolean> => {
    if (batch.tryAddMessage(message)) return true;
    if (batch.count === 0) return false;
    await s.sendMessages(batch);
    batch = await newBatch();
    return batch.tryAddMessage(message);
  };
  for (const reply of replies) {
    if (await add(reply.message)) continue;
    if (limit > MAX_BATCH_BYTES && (await s.createMessageBatch()).tryAddMessage(reply.message)) {
      await s.sendMessages(reply.message);
      continue;
    }
    const instead = await inPlaceOf(reply, limit);
    if (!(await add(instead.message)))
      throw new Error(`the reply to ${reply.id} does not fit a message on ${reply.queue} even as a pointer`);
  }
  if (batch.count > 0) await s.sendMessages(batch);
}

export async function closeReplySenders(): Promise<void> {
  const c = client;
  client = undefined;
  const all = [...senders.values()];
  senders.clear();
  await Promise.all(all.map((s) => s.close()));
  await c?.close();
}
