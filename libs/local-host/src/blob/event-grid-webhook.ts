import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HostLogger } from '../invocation/host-logger.js';
import type { Watcher } from './blob-watch.js';
import { bareEtag } from './read-blob-version.js';

/** The Functions host's path for blob trigger events: `?functionName=Host.Functions.<name>`. */
export const WEBHOOK_PATH = '/runtime/webhooks/blobs';

const VALIDATION = 'Microsoft.EventGrid.SubscriptionValidationEvent';
const BLOB_CREATED = 'Microsoft.Storage.BlobCreated';
/** Event Grid delivers at most 1 MB per request. */
const MAX_BODY_BYTES = 1024 * 1024;

interface EventGridEvent {
  eventType?: string;
  /** CloudEvents schema. */
  type?: string;
  data?: { url?: unknown; eTag?: unknown; validationCode?: unknown };
}

export type WebhookAnswer =
  | { status: 200; body: { validationResponse: string } }
  | { status: 202; body: { queued: number; ignored: number } }
  | { status: 400 | 404; body: { error: string; code: string } };

/** The blob name a blob URL names inside the watcher's container, or undefined when it is elsewhere. */
function blobNameIn(w: Watcher, url: string): string | undefined {
  const base = `${w.container.url.replace(/\/$/, '')}/`;
  if (!url.startsWith(base)) return undefined;
  const rest = url.slice(base.length).split('?', 1)[0];
  try {
    return rest.split('/').map(decodeURIComponent).join('/');
  } catch {
    return undefined;
  }
}

/**
 * What the Functions host answers an Event Grid delivery for a blob trigger with `source: 'EventGrid'`:
 * the subscription handshake (the validation code echoed), else each `BlobCreated` event of the function's
 * container queued by the blob's URL and ETag, as a listing would queue it. Other events are ignored.
 */
export function answerBlobEvents(
  w: Watcher | undefined,
  body: unknown,
  enqueue: (w: Watcher, blobName: string, etag: string) => boolean,
): WebhookAnswer {
  if (!w)
    return {
      status: 404,
      body: { error: 'no Event Grid blob trigger has that name', code: 'FUNCTION_NOT_FOUND' },
    };
  const events = (Array.isArray(body) ? body : [body]) as EventGridEvent[];
  if (events.some((e) => typeof e !== 'object' || e === null))
    return {
      status: 400,
      body: { error: 'the body must be an Event Grid event array', code: 'INVALID_EVENTS' },
    };
  const validation = events.find((e) => (e.eventType ?? e.type) === VALIDATION);
  if (validation) {
    const code = validation.data?.validationCode;
    if (typeof code !== 'string')
      return {
        status: 400,
        body: { error: 'the validation event has no validationCode', code: 'INVALID_EVENTS' },
      };
    return { status: 200, body: { validationResponse: code } };
  }
  let queued = 0;
  let ignored = 0;
  for (const e of events) {
    const url = e.data?.url;
    const etag = e.data?.eTag;
    const name = typeof url === 'string' ? blobNameIn(w, url) : undefined;
    if ((e.eventType ?? e.type) !== BLOB_CREATED || name === undefined || typeof etag !== 'string') ignored++;
    else if (enqueue(w, name, bareEtag(etag))) queued++;
    else ignored++;
  }
  return { status: 202, body: { queued, ignored } };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new Error(`the body is over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

function reply(
  res: ServerResponse,
  status: number,
  body: object,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

export interface BlobWebhook {
  /** `http://host:port/runtime/webhooks/blobs`. */
  url: string;
  close(): Promise<void>;
}

/**
 * The webhook Event Grid posts blob events to, on its own listener (the blob source runs in the primary
 * process, HTTP may run in cluster workers). Also answers the CloudEvents abuse-protection OPTIONS request.
 */
export async function startBlobWebhook(opts: {
  host: string;
  port: number;
  watchers: Watcher[];
  enqueue: (w: Watcher, blobName: string, etag: string) => boolean;
  logger: HostLogger;
}): Promise<BlobWebhook> {
  const byName = new Map(opts.watchers.map((w) => [w.fn.name.toLowerCase(), w]));
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://local');
    if (url.pathname !== WEBHOOK_PATH) {
      reply(res, 404, {
        error: `use POST ${WEBHOOK_PATH}?functionName=Host.Functions.<name>`,
        code: 'ROUTE_NOT_FOUND',
      });
      return;
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(200, { 'webhook-allowed-origin': req.headers['webhook-request-origin'] ?? '*' }).end();
      return;
    }
    if (req.method !== 'POST') {
      reply(res, 405, { error: 'use POST', code: 'METHOD_NOT_ALLOWED' }, { allow: 'POST, OPTIONS' });
      return;
    }
    const name = (url.searchParams.get('functionName') ?? '')
      .replace(/^Host\.Functions\./i, '')
      .toLowerCase();
    readJson(req).then(
      (body) => {
        const answer = answerBlobEvents(byName.get(name), body, opts.enqueue);
        if (answer.status === 202)
          opts.logger.debug({ functionName: name, ...answer.body }, 'Event Grid blob events');
        reply(res, answer.status, answer.body);
      },
      (e: unknown) =>
        reply(res, 400, { error: `the body is not JSON: ${(e as Error).message}`, code: 'INVALID_EVENTS' }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${opts.host}:${port}${WEBHOOK_PATH}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
