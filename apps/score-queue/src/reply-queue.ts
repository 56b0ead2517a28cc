import type { QueueServiceClient } from '@azure/storage-queue';
import { storageAccess } from './storage-access.js';

/** Replies go to each message's own `replyTo`, which an output binding (a fixed queue name) cannot do. */
export class ReplyQueues {
  readonly #created = new Map<string, Promise<unknown>>();

  constructor(private readonly queues: QueueServiceClient) {}

  /** `text` as stored: the app sends base64, as the host's output binding and trigger expect by default. */
  async send(queue: string, text: string): Promise<void> {
    const client = this.queues.getQueueClient(queue);
    // Created on first use, as the Functions host's queue output binding does.
    let created = this.#created.get(queue);
    if (!created) {
      created = client.createIfNotExists();
      this.#created.set(queue, created);
      created.catch(() => this.#created.delete(queue));
    }
    await created;
    await client.sendMessage(text);
  }
}

let shared: ReplyQueues | undefined;

/** The process's reply queues on AzureWebJobsStorage, made at the first reply. */
export function replyQueues(): ReplyQueues {
  shared ??= new ReplyQueues(storageAccess().queues);
  return shared;
}
