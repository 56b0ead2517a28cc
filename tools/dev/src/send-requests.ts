import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ServiceBusClient } from '@azure/service-bus';
import type { InputFile } from './collect-files.js';
import { contentTypeOf } from './content-types.js';

export interface SendOptions {
  connectionString: string;
  requestQueue: string;
  replyQueue: string;
  files: InputFile[];
  /** How long to wait for all replies after the last send. */
  timeoutMs: number;
  onReply?: (reply: SendResult) => void;
}

export interface SendResult {
  file: string;
  /** The reply's body, or undefined when none came in time. */
  reply?: unknown;
  /** The reply's application property `status` (`ok` or `error`). */
  status?: string;
}

/**
 * Publishes one scoring request per file (JSON files as JSON bodies, anything else as bytes) and collects
 * the replies by correlation id. Replies meant for other senders are left on the queue for them.
 */
export async function sendRequests(opts: SendOptions): Promise<SendResult[]> {
  const client = new ServiceBusClient(opts.connectionString);
  const sender = client.createSender(opts.requestQueue);
  const receiver = client.createReceiver(opts.replyQueue);
  const results = new Map<string, SendResult>();
  const ids: string[] = [];
  try {
    const pending = new Map<string, InputFile>();
    for (const f of opts.files) {
      const bytes = await readFile(f.file);
      const contentType = contentTypeOf(f.file);
      const correlationId = randomUUID();
      pending.set(correlationId, f);
      ids.push(correlationId);
      const body = contentType === 'application/json' ? JSON.parse(bytes.toString('utf8')) : bytes;
      await sender.sendMessages({ body, contentType, correlationId, replyTo: opts.replyQueue });
    }
    const deadline = Date.now() + opts.timeoutMs;
    while (pending.size > 0 && Date.now() < deadline) {
      for (const m of await receiver.receiveMessages(10, { maxWaitTimeInMs: 1000 })) {
        const f = pending.get(String(m.correlationId));
        if (!f) {
          await receiver.abandonMessage(m);
          continue;
        }
        await receiver.completeMessage(m);
        pending.delete(String(m.correlationId));
        const status = m.applicationProperties?.status;
        const result: SendResult = {
          file: f.file,
          reply: m.body,
          ...(typeof status === 'string' ? { status } : {}),
        };
        results.set(String(m.correlationId), result);
        opts.onReply?.(result);
      }
    }
  } finally {
    await receiver.close();
    await sender.close();
    await client.close();
  }
  return opts.files.map((f, i) => results.get(ids[i]) ?? { file: f.file });
}
