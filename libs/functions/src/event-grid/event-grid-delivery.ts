// What Event Grid posts to a webhook, read as the Functions host reads it: the Event Grid schema (an array
// of events, `eventType`) or CloudEvents 1.0 (structured mode, one event or a batch, `type`), and the
// subscription handshake's validation code. The blob extension's webhook (the local host) and the model
// repository's webhook (score-http) share it, so both speak the protocol the same way.

export const VALIDATION_EVENT = 'Microsoft.EventGrid.SubscriptionValidationEvent';

/** One event of a delivery, as posted (either schema). */
export type EventGridEvent = Record<string, unknown>;

/** A delivery that is not Event Grid's: answered 400, which Event Grid does not retry. */
export class EventGridDeliveryError extends Error {
  readonly code = 'INVALID_EVENTS';
}

const isObject = (v: unknown): v is EventGridEvent =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** `data`, which a CloudEvent may carry as a JSON string (Event Grid double-encodes the validation event's). */
export function eventDataOf(event: EventGridEvent, where: string): EventGridEvent | undefined {
  let data = event.data;
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data);
    } catch {
      throw new EventGridDeliveryError(`${where}: data is a string that is not JSON`);
    }
  }
  if (data === undefined || data === null) return undefined;
  if (!isObject(data)) throw new EventGridDeliveryError(`${where}: data must be an object`);
  return data;
}

/** The event's type: `eventType` in the Event Grid schema, `type` in CloudEvents 1.0 (`specversion`). */
export function eventTypeOf(event: EventGridEvent, where: string): string {
  if ('specversion' in event) {
    if (event.specversion !== '1.0')
      throw new EventGridDeliveryError(
        `${where}: specversion ${JSON.stringify(event.specversion)} is not 1.0`,
      );
    if (typeof event.type !== 'string' || event.type === '')
      throw new EventGridDeliveryError(`${where}: a CloudEvent needs a type`);
    return event.type;
  }
  if (typeof event.eventType !== 'string' || event.eventType === '')
    throw new EventGridDeliveryError(
      `${where}: an Event Grid event needs an eventType (or a CloudEvent a specversion and a type)`,
    );
  return event.eventType;
}

/**
 * A delivery's events, each an object with a type, checked whole before any is acted on: a malformed event
 * fails the delivery rather than leaving part of it acknowledged and part dropped.
 */
export function eventsOf(body: unknown): EventGridEvent[] {
  if (!isObject(body) && !Array.isArray(body))
    throw new EventGridDeliveryError('the body must be an event object or an array of events');
  const events = Array.isArray(body) ? body : [body];
  events.forEach((e, i) => {
    if (!isObject(e)) throw new EventGridDeliveryError(`event ${i} is not an object`);
    eventTypeOf(e, `event ${i}`);
  });
  return events as EventGridEvent[];
}

/** The code a subscription handshake asks to be echoed as `{"validationResponse": code}`. */
export function validationCodeOf(body: unknown): string {
  const [first] = eventsOf(body);
  const data = first ? eventDataOf(first, 'the validation event') : undefined;
  if (typeof data?.validationCode !== 'string' || data.validationCode === '')
    throw new EventGridDeliveryError(`the ${VALIDATION_EVENT} has no data.validationCode`);
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
export function allowedOrigin(requestOrigin: string | null | undefined): string {
  return requestOrigin && EVENT_GRID_ORIGINS.has(requestOrigin) ? requestOrigin : 'eventgrid.azure.net';
}
