import { ScoringError } from '@modelfn/scoring';

// What Event Grid posts to a webhook for a storage account's blob events, read as the Functions host's Event
// Grid extension reads it: the Event Grid schema (an array of events, `eventType`) or CloudEvents 1.0 (one
// event or a batch, `type`); the handshake's validation code at `[0].data.validationCode` (a CloudEvent's
// `data` may be a JSON string).

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const malformed = (why: string) => new ScoringError('INVALID_INPUT', `not an Event Grid delivery: ${why}`);

/** The delivery's events, each an object with a type (the whole delivery is refused otherwise). */
export function readEvents(body: unknown): Json[] {
  const events = Array.isArray(body) ? body : [body];
  events.forEach((e, i) => {
    if (!isObject(e)) throw malformed(`event ${i} is not an object`);
    if (typeof (e.eventType ?? e.type) !== 'string')
      throw malformed(`event ${i} has no eventType (Event Grid schema) or type (CloudEvents 1.0)`);
  });
  return events as Json[];
}

/** The code a subscription handshake asks to be echoed as `{"validationResponse": code}`. */
export function validationCode(body: unknown): string {
  const [first] = readEvents(body);
  let data = first.data;
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data);
    } catch {
      throw malformed("the validation event's data is a string that is not JSON");
    }
  }
  const code = isObject(data) ? data.validationCode : undefined;
  if (typeof code !== 'string' || code === '')
    throw malformed('the validation event has no data.validationCode');
  return code;
}

/** Storage events that change what a repository holds (Data Lake's directory events included). */
const CHANGES = new Set([
  'Microsoft.Storage.BlobCreated',
  'Microsoft.Storage.BlobDeleted',
  'Microsoft.Storage.BlobRenamed',
  'Microsoft.Storage.DirectoryRenamed',
  'Microsoft.Storage.DirectoryDeleted',
]);

const SUBJECT = /^\/blobServices\/default\/containers\/([^/]+)\/blobs\/(.*)$/;

export type EventVerdict = { poll: true; blob: string; type: string } | { poll: false; why: string };

/**
 * Whether an event announces a change inside the repository's container and prefix. Anything else (another
 * container, an event type that changes no blob) is ignored: a subscription wider than the models container
 * must not make every upload elsewhere read the repository.
 */
export function judgeEvent(event: Json, place: { container: string; prefix: string }): EventVerdict {
  const type = String(event.eventType ?? event.type);
  if (!CHANGES.has(type)) return { poll: false, why: `event type "${type}" changes no blob` };
  const m = typeof event.subject === 'string' ? SUBJECT.exec(event.subject) : null;
  if (!m) return { poll: false, why: `subject ${JSON.stringify(event.subject)} names no blob` };
  const [, container, blob] = m;
  if (container !== place.container)
    return { poll: false, why: `container "${container}" is not the repository's ("${place.container}")` };
  if (place.prefix && blob !== place.prefix && !blob.startsWith(`${place.prefix}/`))
    return { poll: false, why: `blob "${blob}" is outside the repository's prefix "${place.prefix}/"` };
  return { poll: true, blob, type };
}
