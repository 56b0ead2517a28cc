import type { IncomingMessage, ServerResponse } from 'node:http';
import azf from '@azure/functions';
import type { EventGridFunctionDefinition, HostLogger } from '@modelfn/functions';
import { allowedOrigin, MalformedEventsError, readEvents, readValidationCode } from '../blob/blob-events.js';
import { mountFunction, type Invoker, type MountedFunction } from '../invocation/invoke.js';
import { readBody } from './read-body.js';

// @azure/functions is a CommonJS bundle whose helpers Node's ESM loader cannot see as named exports.
const { trigger } = azf;

/**
 * The Functions host's path for Event Grid triggers, on the app's own URL (beside its HTTP routes, outside
 * the route prefix): `?functionName=<name>`, plus in Azure `&code=<the eventgrid_extension system key>`.
 * Locally any `code` (or none) is accepted, as on the blob webhook.
 */
export const EVENT_GRID_WEBHOOK_PATH = '/runtime/webhooks/eventgrid';
/** Event Grid delivers at most 1 MB per request. */
const MAX_BODY_BYTES = 1024 * 1024;

export type EventGridAnswer =
  | { status: 200; body: { validationResponse: string } }
  | { status: 202; body: { events: number } | Record<string, never> }
  | { status: 400 | 404 | 500; body: { error: string; code: string } };

/**
 * What the Functions host's Event Grid extension answers a POST for a trigger, by `aeg-event-type`:
 * `SubscriptionValidation` echoes the code; `Notification` runs the function once per event, all at once,
 * and answers 202 once every invocation succeeded, 500 if one failed (Event Grid then delivers the batch
 * again); `Unsubscribe` (or `SubscriptionDeletion`) is accepted; anything else, or a malformed body, is a
 * 400, which Event Grid does not retry. An unknown function is a 404.
 */
export async function answerEventGrid(
  fn: MountedFunction | undefined,
  functionName: string,
  eventType: string | undefined,
  body: unknown,
  invokeOne: (fn: MountedFunction, event: Record<string, unknown>) => Promise<boolean>,
): Promise<EventGridAnswer> {
  if (!fn)
    return {
      status: 404,
      body: {
        error: `no Event Grid trigger is named "${functionName}"; use ?functionName=<name>`,
        code: 'FUNCTION_NOT_FOUND',
      },
    };
  const kind = eventType?.toLowerCase();
  try {
    if (kind === 'subscriptionvalidation')
      return { status: 200, body: { validationResponse: readValidationCode(body) } };
    if (kind === 'unsubscribe' || kind === 'subscriptiondeletion') return { status: 202, body: {} };
    if (kind !== 'notification')
      return {
        status: 400,
        body: {
          error:
            'set the aeg-event-type header to Notification (events) or SubscriptionValidation (handshake), as Event Grid does',
          code: 'INVALID_EVENT_TYPE_HEADER',
        },
      };
    const events = readEvents(body);
    const done = await Promise.all(events.map((e) => invokeOne(fn, e.event)));
    const failed = done.filter((ok) => !ok).length;
    if (failed > 0)
      return {
        status: 500,
        body: {
          error: `${failed} of ${events.length} invocations of ${fn.name} failed (see the log); Event Grid delivers the events again`,
          code: 'FUNCTION_FAILED',
        },
      };
    return { status: 202, body: { events: events.length } };
  } catch (e) {
    if (e instanceof MalformedEventsError) return { status: 400, body: { error: e.message, code: e.code } };
    throw e;
  }
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

/**
 * Event Grid triggers on the local HTTP host: each definition mounted once, each delivered event invoked
 * through the host's invoker (hooks, functionTimeout) as the Functions host invokes them.
 */
export function eventGridTriggers(
  functions: readonly EventGridFunctionDefinition[],
  invoke: Invoker,
  logger: HostLogger,
): (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> {
  const byName = new Map(
    functions.map((f) => [f.name.toLowerCase(), mountFunction(f, trigger.eventGrid({}))]),
  );
  const invokeOne = async (fn: MountedFunction, event: Record<string, unknown>): Promise<boolean> => {
    const done = await invoke(fn, {
      input: event,
      logFields: typeof event.subject === 'string' ? { subject: event.subject } : {},
    });
    if (!done.ok) logger.error({ err: done.error, functionName: fn.name }, `function ${fn.name} failed`);
    return done.ok;
  };
  return async (req, res, url) => {
    if (req.method === 'OPTIONS') {
      // The CloudEvents abuse-protection handshake Event Grid makes before delivering CloudEvents.
      req.resume();
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
      req.resume();
      reply(res, 405, { error: 'use POST', code: 'METHOD_NOT_ALLOWED' }, { allow: 'POST, OPTIONS' });
      return;
    }
    const read = await readBody(req, MAX_BODY_BYTES);
    if (read.kind === 'too-large') {
      reply(
        res,
        413,
        { error: `the body is over ${MAX_BODY_BYTES} bytes`, code: 'BODY_TOO_LARGE' },
        read.drained ? {} : { connection: 'close' },
      );
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(read.body.toString('utf8'));
    } catch (e) {
      reply(res, 400, { error: `the body is not JSON: ${(e as Error).message}`, code: 'INVALID_EVENTS' });
      return;
    }
    const functionName = url.searchParams.get('functionName') ?? '';
    const header = req.headers['aeg-event-type'];
    const answer = await answerEventGrid(
      byName.get(functionName.toLowerCase()),
      functionName,
      Array.isArray(header) ? header[0] : header,
      body,
      invokeOne,
    );
    if (answer.status === 200) logger.info({ functionName }, 'Event Grid subscription validated');
    else if (answer.status >= 400)
      logger.warn({ functionName, ...answer.body }, 'Event Grid delivery refused');
    reply(res, answer.status, answer.body);
  };
}
