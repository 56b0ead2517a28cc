import { ServiceBusClient, type ServiceBusMessage, type ServiceBusSender } from '@azure/service-bus';
import { serviceBusConnection } from '@modelfn/identity';
import { sbSettings } from './settings.js';

/**
 * Replies go to each request's own `replyTo` queue, which an output binding (fixed queue name) cannot do,
 * so the app sends them with the SDK, one cached sender per queue.
 */
let client: ServiceBusClient | undefined;
const senders = new Map<string, ServiceBusSender>();

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

/** Sends each queue's replies as one batch send. */
export async function sendReplies(replies: { queue: string; message: ServiceBusMessage }[]): Promise<void> {
  const byQueue = new Map<string, ServiceBusMessage[]>();
  for (const r of replies) byQueue.set(r.queue, [...(byQueue.get(r.queue) ?? []), r.message]);
  await Promise.all([...byQueue].map(([queue, messages]) => sender(queue).sendMessages(messages)));
}

export async function closeReplySenders(): Promise<void> {
  const c = client;
  client = undefined;
  const all = [...senders.values()];
  senders.clear();
  await Promise.all(all.map((s) => s.close()));
  await c?.close();
}
