import { storageAccess, type StorageAccess } from './storage-access.js';

const API_VERSION = '2021-12-02';

const xmlText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Replies go to each message's own `replyTo`, which an output binding (a fixed queue name) cannot do. */
export class ReplyQueues {
  readonly #created = new Set<string>();

  constructor(private readonly access: StorageAccess) {}

  private async call(method: string, path: string, body?: string): Promise<Response> {
    const auth = await this.access.queueAuth();
    const url = `${this.access.queueEndpoint}/${path}${auth.query ? `?${auth.query}` : ''}`;
    return fetch(url, {
      method,
      headers: {
        'x-ms-version': API_VERSION,
        ...(body === undefined ? {} : { 'content-type': 'application/xml; charset=utf-8' }),
        ...auth.headers,
      },
      body,
    });
  }

  private async fail(what: string, res: Response): Promise<never> {
    throw new Error(`${what}: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`);
  }

  /** Created on first use, as the Functions host's queue output binding does. */
  private async ensure(queue: string): Promise<void> {
    if (this.#created.has(queue)) return;
    const res = await this.call('PUT', queue);
    if (res.status !== 201 && res.status !== 204 && res.status !== 409)
      await this.fail(`create queue ${queue}`, res);
    await res.arrayBuffer();
    this.#created.add(queue);
  }

  /** `text` as stored: the app sends base64, as the host's output binding and trigger expect by default. */
  async send(queue: string, text: string): Promise<void> {
    await this.ensure(queue);
    const body = `<?xml version="1.0" encoding="utf-8"?><QueueMessage><MessageText>${xmlText(text)}</MessageText></QueueMessage>`;
    const res = await this.call('POST', `${queue}/messages`, body);
    if (res.status !== 201) await this.fail(`send to queue ${queue}`, res);
    await res.arrayBuffer();
  }
}

let shared: ReplyQueues | undefined;

/** The process's reply queues on AzureWebJobsStorage, made at the first reply. */
export function replyQueues(): ReplyQueues {
  shared ??= new ReplyQueues(storageAccess());
  return shared;
}
