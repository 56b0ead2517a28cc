// Reading what Event Grid posts to the blob extension's webhook, in the Event Grid schema and in CloudEvents
// 1.0 (structured mode, one event or a batch), as the Functions host's HttpRequestProcessor reads it.

export const BLOB_CREATED = 'Microsoft.Storage.BlobCreated';
const VALIDATION_EVENT = 'Microsoft.EventGrid.SubscriptionValidationEvent';

/** A `Microsoft.Storage.BlobCreated` event: the blob's URL and the ETag of the version it announces. */
export interface BlobCreated {
  url: string;
  eTag: string;
}

/** One event of a delivery: a BlobCreated to run, or another type the trigger does not act on. */
export type DeliveredEvent = { kind: 'blobCreated'; blob: BlobCreated } | { kind: 'other'; type: string };

export class MalformedEventsError extends Error {
  readonly code = 'INVALID_EVENTS';
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `data`, which a CloudEvent may carry as a JSON string (Event Grid double-encodes the validation event's). */
function dataOf(event: Json, where: string): Json | undefined {
  let data = event.data;
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data);
    } catch {
      throw new MalformedEventsError(`${where}: data is a string that is not JSON`);
    }
  }
  if (data === undefined || data === null) return undefined;
  if (!isObject(data)) throw new MalformedEventsError(`${where}: data must be an object`);
  return data;
}

/** The event's type: `eventType` in the Event Grid schema, `type` in CloudEvents 1.0 (`specversion`). */
function typeOf(event: Json, where: string): string {
  if ('specversion' in event) {
    if (event.specversion !== '1.0')
      throw new MalformedEventsError(`${where}: specversion ${JSON.stringify(event.specversion)} is not 1.0`);
    if (typeof event.type !== 'string' || event.type === '')
      throw new MalformedEventsError(`${where}: a CloudEvent needs a type`);
    return event.type;
  }
  if (typeof event.eventType !== 'string' || event.eventType === '')
    throw new MalformedEventsError(
      `${where}: an Event Grid event needs an eventType (or a CloudEvent a specversion and a type)`,
    );
  return event.eventType;
}

function asEvents(body: unknown): Json[] {
  const events = Array.isArray(body) ? body : [body];
  if (!isObject(body) && !Array.isArray(body))
    throw new MalformedEventsError('the body must be an event object or an array of events');
  events.forEach((e, i) => {
    if (!isObject(e)) throw new MalformedEventsError(`event ${i} is not an object`);
  });
  return events as Json[];
}

/**
 * A notification's events, checked whole before any is queued: a malformed event fails the delivery (400,
 * which Event Grid does not retry) rather than leaving part of it acknowledged and part dropped.
 */
export function readNotification(body: unknown): DeliveredEvent[] {
  return asEvents(body).map((event, i): DeliveredEvent => {
    const where = `event ${i}`;
    const type = typeOf(event, where);
    if (type !== BLOB_CREATED) return { kind: 'other', type };
    const data = dataOf(event, where);
    if (typeof data?.url !== 'string' || data.url === '')
      throw new MalformedEventsError(`${where}: a ${BLOB_CREATED} event needs data.url`);
    if (typeof data.eTag !== 'string' || data.eTag === '')
      throw new MalformedEventsError(`${where}: a ${BLOB_CREATED} event needs data.eTag`);
    return { kind: 'blobCreated', blob: { url: data.url, eTag: data.eTag } };
  });
}

/** The validation code of a subscription handshake: `[0].data.validationCode`, or the CloudEvent's. */
export function readValidationCode(body: unknown): string {
  const [first] = asEvents(body);
  const data = first ? dataOf(first, 'the validation event') : undefined;
  if (typeof data?.validationCode !== 'string' || data.validationCode === '')
    throw new MalformedEventsError(`the ${VALIDATION_EVENT} has no data.validationCode`);
  return data.validationCode;
}

/** Event Grid's clouds; any other origin is answered with the public cloud's, as the Functions host does. */
const EVENT_GRID_ORIGINS = new Set([
  'eventgrid.azure.net',
  'eventgrid.azure.us',
  'eventgrid.azure.cn',
  'eventgrid.azure.eaglex.ic.gov',
  'eventgrid.azure.microsoft.scloud',
]);

/** The CloudEvents abuse-protection answer (`WebHook-Allowed-Origin`) to a `WebHook-Request-Origin`. */
export function allowedOrigin(requestOrigin: string | undefined): string {
  return requestOrigin && EVENT_GRID_ORIGINS.has(requestOrigin) ? requestOrigin : 'eventgrid.azure.net';
}
