import { EventGridDeliveryError, eventsOf, validationCodeOf, type EventGridEvent } from '@modelfn/functions';
import { ScoringError } from '@modelfn/scoring';

// Storage events of the model repository's container, read from an Event Grid delivery with the shared
// reader (@modelfn/functions: both schemas, the handshake's validation code), as the Functions host reads it.

/** A delivery that is not Event Grid's, as this app's errors say it (400 INVALID_INPUT). */
function asScoringError<T>(read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof EventGridDeliveryError)
      throw new ScoringError('INVALID_INPUT', `not an Event Grid delivery: ${e.message}`);
    throw e;
  }
}

/** The delivery's events, each an object with a type (the whole delivery is refused otherwise). */
export function readEvents(body: unknown): EventGridEvent[] {
  return asScoringError(() => eventsOf(body));
}

/** The code a subscription handshake asks to be echoed as `{"validationResponse": code}`. */
export function validationCode(body: unknown): string {
  return asScoringError(() => validationCodeOf(body));
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
export function judgeEvent(
  event: EventGridEvent,
  place: { container: string; prefix: string },
): EventVerdict {
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
