import { BlobSourceError } from './blob-source-error.js';
import { BearerToken } from './bearer-token.js';
import { storageRequestHeaders } from './shared-key.js';
import type { StorageAccount } from './storage-account.js';

export interface PeekedMessage {
  messageId: string;
  dequeueCount: number;
  /** MessageText as stored (the Functions host stores base64). */
  text: string;
}

/** A message taken with a visibility timeout: its pop receipt deletes it or makes it visible again. */
export interface ReceivedMessage extends PeekedMessage {
  popReceipt: string;
  insertionTime?: string;
  expirationTime?: string;
  nextVisibleTime?: string;
}

const field = (m: string, name: string) => {
  const v = new RegExp(`<${name}>([^]*?)</${name}>`).exec(m)?.[1];
  return v === undefined ? undefined : unXml(v);
};

function parseMessages(xml: string): ReceivedMessage[] {
  return [...xml.matchAll(/<QueueMessage>([^]*?)<\/QueueMessage>/g)].map(([, m]) => ({
    messageId: field(m, 'MessageId') ?? '',
    dequeueCount: Number(field(m, 'DequeueCount') ?? 0),
    text: field(m, 'MessageText') ?? '',
    popReceipt: field(m, 'PopReceipt') ?? '',
    insertionTime: field(m, 'InsertionTime'),
    expirationTime: field(m, 'ExpirationTime'),
    nextVisibleTime: field(m, 'TimeNextVisible'),
  }));
}

function xmlText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function unXml(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

/**
 * The few Azure Storage queue operations the local triggers need (the blob trigger's poison messages, the
 * queue trigger's receive, delete and release), over the REST API.
 */
export class StorageQueue {
  private readonly bearer: BearerToken | undefined;

  constructor(
    readonly account: StorageAccount,
    readonly name: string,
  ) {
    this.bearer = account.credential && new BearerToken(account.credential);
  }

  private async request(
    method: string,
    path: string,
    query: Record<string, string>,
    body?: string,
  ): Promise<Response> {
    const url = new URL(`${this.account.queueEndpoint}/${this.name}${path}`);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    if (this.account.sas) {
      for (const [k, v] of new URLSearchParams(this.account.sas)) url.searchParams.set(k, v);
    }
    const headers = storageRequestHeaders(
      this.account,
      method,
      url,
      body === undefined ? {} : { 'content-type': 'application/xml; charset=utf-8' },
      body === undefined ? 0 : Buffer.byteLength(body),
      await this.bearer?.header(),
    );
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body });
    } catch (e) {
      throw new BlobSourceError(
        'QUEUE_REQUEST_FAILED',
        `queue service at ${this.account.queueEndpoint} is unreachable (${(e as Error).message}); is QueueEndpoint right and the service up?`,
        { cause: e },
      );
    }
    return res;
  }

  private async fail(what: string, res: Response): Promise<never> {
    const detail = (await res.text()).slice(0, 500);
    throw new BlobSourceError(
      'QUEUE_REQUEST_FAILED',
      `${what} on queue "${this.name}" failed: HTTP ${res.status} ${detail}`,
    );
  }

  async createIfNotExists(): Promise<void> {
    const res = await this.request('PUT', '', {});
    // 201 created, 204 already there; 409 means it exists with other metadata, which is fine here.
    if (res.status !== 201 && res.status !== 204 && res.status !== 409) await this.fail('create', res);
    else await res.arrayBuffer();
  }

  /** Puts one message; `text` is stored as given (encode it base64 to match the Functions host). */
  async send(text: string): Promise<void> {
    const body = `<?xml version="1.0" encoding="utf-8"?><QueueMessage><MessageText>${xmlText(text)}</MessageText></QueueMessage>`;
    const res = await this.request('POST', '/messages', {}, body);
    if (res.status !== 201) await this.fail('put message', res);
    else await res.arrayBuffer();
  }

  /** Takes up to `count` (at most 32) messages, invisible to others for `visibilitySeconds`. */
  async receive(count: number, visibilitySeconds: number): Promise<ReceivedMessage[]> {
    const res = await this.request('GET', '/messages', {
      numofmessages: String(Math.max(1, Math.min(32, count))),
      visibilitytimeout: String(visibilitySeconds),
    });
    if (res.status === 404) {
      await res.arrayBuffer();
      return [];
    }
    if (res.status !== 200) await this.fail('get messages', res);
    return parseMessages(await res.text());
  }

  async delete(messageId: string, popReceipt: string): Promise<void> {
    const res = await this.request('DELETE', `/messages/${encodeURIComponent(messageId)}`, {
      popreceipt: popReceipt,
    });
    // 404: already gone (its visibility lapsed and another receiver took it), which is not ours to report.
    if (res.status !== 204 && res.status !== 404) await this.fail('delete message', res);
    else await res.arrayBuffer();
  }

  /** Makes a received message visible again after `visibilitySeconds`, its text unchanged. */
  async release(message: ReceivedMessage, visibilitySeconds: number): Promise<void> {
    await this.setVisibility(message, visibilitySeconds);
  }

  /**
   * Keeps a received message invisible for `visibilitySeconds` more (as the Functions host does for a
   * running invocation): the new pop receipt, or undefined when the message is gone (deleted, or its
   * visibility lapsed and another receiver took it).
   */
  async extend(message: ReceivedMessage, visibilitySeconds: number): Promise<string | undefined> {
    return this.setVisibility(message, visibilitySeconds);
  }

  /** Update Message: its visibility changed, its text unchanged; the new pop receipt (undefined: gone). */
  private async setVisibility(
    message: ReceivedMessage,
    visibilitySeconds: number,
  ): Promise<string | undefined> {
    const body = `<?xml version="1.0" encoding="utf-8"?><QueueMessage><MessageText>${xmlText(message.text)}</MessageText></QueueMessage>`;
    const res = await this.request(
      'PUT',
      `/messages/${encodeURIComponent(message.messageId)}`,
      {
        popreceipt: message.popReceipt,
        visibilitytimeout: String(visibilitySeconds),
      },
      body,
    );
    if (res.status !== 204 && res.status !== 404) await this.fail('update message', res);
    await res.arrayBuffer();
    return res.status === 204 ? (res.headers.get('x-ms-popreceipt') ?? undefined) : undefined;
  }

  async peek(count = 32): Promise<PeekedMessage[]> {
    const res = await this.request('GET', '/messages', {
      peekonly: 'true',
      numofmessages: String(Math.min(32, count)),
    });
    if (res.status === 404) return [];
    if (res.status !== 200) await this.fail('peek', res);
    const xml = await res.text();
    return [...xml.matchAll(/<QueueMessage>([^]*?)<\/QueueMessage>/g)].map(([, m]) => ({
      messageId: unXml(/<MessageId>([^]*?)<\/MessageId>/.exec(m)?.[1] ?? ''),
      dequeueCount: Number(/<DequeueCount>(\d+)<\/DequeueCount>/.exec(m)?.[1] ?? 0),
      text: unXml(/<MessageText>([^]*?)<\/MessageText>/.exec(m)?.[1] ?? ''),
    }));
  }
}
