import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  allowedOrigin,
  MalformedEventsError,
  readNotification,
  readValidationCode,
  type DeliveredEvent,
} from './blob-events.js';
import type { HostLogger } from '@modelfn/functions';
import type { Watcher } from './blob-watch.js';
import { DeferredEvents, type Placement } from './deferred-events.js';
import { bareEtag } from './read-blob-version.js';

/**
 * The Functions host's path for blob trigger events: `?functionName=Host.Functions.<name>`, plus in Azure
 * `&code=<the blobs_extension system key>`. Locally any `code` (or none) is accepted: the listener is bound
 * to 127.0.0.1 and there are no host keys.
 */
export const WEBHOOK_PATH = '/runtime/webhooks/blobs';
const FUNCTION_PREFIX = 'Host.Functions.';
/** Event Grid delivers at most 1 MB per request. */
const MAX_BODY_BYTES = 1024 * 1024;

export type WebhookAnswer =
  | { status: 200; body: { validationResponse: string } }
  | { status: 202; body: Record<Placement, number> | Record<string, never> }
  | { status: 400 | 404 | 405 | 413; body: { error: string; code: string } };

const refuse = (status: 400 | 404 | 405 | 413, code: string, error: string): WebhookAnswer => ({
  status,
  body: { error, code },
});

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
 * What the Functions host answers a POST from Event Grid for a blob trigger with `source: 'EventGrid'`,
 * by the `aeg-event-type` header: `SubscriptionValidation` echoes the validation code, `Notification`
 * takes the events (each `BlobCreated` of the function's container queued by URL and ETag; other types,
 * containers or names outside the trigger path are ignored), `Unsubscribe` (or `SubscriptionDeletion`) is accepted. Anything else, a
 * malformed event or an unknown function is a 400 with a JSON error, so Event Grid dead-letters it instead
 * of retrying.
 */
export function answerBlobEvents(
  w: Watcher | undefined,
  functionName: string,
  eventType: string | undefined,
  body: unknown,
  place: (w: Watcher, blobName: string, etag: string) => Placement,
): WebhookAnswer {
  if (!w)
    return refuse(
      400,
      'FUNCTION_NOT_FOUND',
      `no blob trigger with source 'EventGrid' is named "${functionName}"; use ?functionName=${FUNCTION_PREFIX}<name>`,
    );
  const kind = eventType?.toLowerCase();
  try {
    if (kind === 'subscriptionvalidation')
      return { status: 200, body: { validationResponse: readValidationCode(body) } };
    // `Unsubscribe` is the host's; Event Grid documents `SubscriptionDeletion` for the same notice.
    if (kind === 'unsubscribe' || kind === 'subscriptiondeletion') return { status: 202, body: {} };
    if (kind !== 'notification')
      return refuse(
        400,
        'INVALID_EVENT_TYPE_HEADER',
        'set the aeg-event-type header to Notification (events) or SubscriptionValidation (handshake), as Event Grid does',
      );
    const events: DeliveredEvent[] = readNotification(body);
    const counts: Record<Placement, number> = { queued: 0, deferred: 0, ignored: 0 };
    for (const e of events) {
      const name = e.kind === 'blobCreated' ? blobNameIn(w, e.blob.url) : undefined;
      if (e.kind !== 'blobCreated' || name === undefined) counts.ignored++;
      else counts[place(w, name, bareEtag(e.blob.eTag))]++;
    }
    return { status: 202, body: counts };
  } catch (e) {
    if (e instanceof MalformedEventsError) return refuse(400, e.code, e.message);
    throw e;
  }
}

class BodyTooLarge extends Error {}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLarge(`the body is over ${MAX_BODY_BYTES} bytes`);
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
  /** Acknowledged events waiting for their blob's version in flight (see DeferredEvents). */
  readonly deferred: number;
  close(): Promise<void>;
}

/**
 * The webhook Event Grid posts blob events to, on its own listener (the blob source runs in the primary
 * process, HTTP may run in cluster workers). Also answers the CloudEvents abuse-protection handshake
 * (OPTIONS with `WebHook-Request-Origin`).
 */
export async function startBlobWebhook(opts: {
  host: string;
  port: number;
  watchers: Watcher[];
  enqueue: (w: Watcher, blobName: string, etag: string) => boolean;
  logger: HostLogger;
}): Promise<BlobWebhook> {
  const byName = new Map(opts.watchers.map((w) => [w.fn.name.toLowerCase(), w]));
  const deferred = new DeferredEvents(opts.enqueue);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://local');
    if (url.pathname !== WEBHOOK_PATH) {
      reply(res, 404, {
        error: `use POST ${WEBHOOK_PATH}?functionName=${FUNCTION_PREFIX}<name>`,
        code: 'ROUTE_NOT_FOUND',
      });
      return;
    }
    if (req.method === 'OPTIONS') {
      const origin = req.headers['webhook-request-origin'];
      res
        .writeHead(200, {
          'webhook-allowed-origin': allowedOrigin(Array.isArray(origin) ? origin[0] : origin),
          allow: 'POST, OPTIONS',
        })
        .end();
      return;
    }
    if (req.method !== 'POST') {
      reply(res, 405, { error: 'use POST', code: 'METHOD_NOT_ALLOWED' }, { allow: 'POST, OPTIONS' });
      return;
    }
    const functionName = url.searchParams.get('functionName') ?? '';
    const bare = functionName.startsWith(FUNCTION_PREFIX)
      ? functionName.slice(FUNCTION_PREFIX.length)
      : functionName;
    const header = req.headers['aeg-event-type'];
    void (async () => {
      let body: unknown;
      try {
        body = await readJson(req);
      } catch (e) {
        if (e instanceof BodyTooLarge) reply(res, 413, { error: e.message, code: 'BODY_TOO_LARGE' });
        else
          reply(res, 400, { error: `the body is not JSON: ${(e as Error).message}`, code: 'INVALID_EVENTS' });
        return;
      }
      try {
        const answer = answerBlobEvents(
          byName.get(bare.toLowerCase()),
          functionName,
          Array.isArray(header) ? header[0] : header,
          body,
          (w, name, etag) => deferred.place(w, name, etag),
        );
        if (answer.status === 200)
          opts.logger.info({ functionName: bare }, 'Event Grid subscription validated');
        else if (answer.status === 202)
          opts.logger.debug({ functionName: bare, ...answer.body }, 'Event Grid blob events');
        else opts.logger.warn({ functionName, ...answer.body }, 'Event Grid delivery refused');
        reply(res, answer.status, answer.body);
      } catch (e) {
        // Not acknowledged, so Event Grid delivers the events again.
        opts.logger.error({ err: e, functionName }, 'Event Grid delivery failed');
        reply(res, 500, { error: 'the events could not be queued; deliver them again', code: 'INTERNAL' });
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${opts.host}:${port}${WEBHOOK_PATH}`,
    get deferred() {
      return deferred.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        deferred.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
