// The events the blob extension's webhook acts on, read from an Event Grid delivery (either schema) with the
// shared reader in @modelfn/functions, as the Functions host's HttpRequestProcessor reads them.
import { eventDataOf, EventGridDeliveryError, eventsOf, eventTypeOf } from '@modelfn/functions';

export {
  allowedOrigin,
  EventGridDeliveryError as MalformedEventsError,
  validationCodeOf as readValidationCode,
} from '@modelfn/functions';

export const BLOB_CREATED = 'Microsoft.Storage.BlobCreated';

/** A `Microsoft.Storage.BlobCreated` event: the blob's URL and the ETag of the version it announces. */
export interface BlobCreated {
  url: string;
  eTag: string;
}

/** One event of a delivery: a BlobCreated to run, or another type the trigger does not act on. */
export type DeliveredEvent = { kind: 'blobCreated'; blob: BlobCreated } | { kind: 'other'; type: string };

/**
 * A notification's events, checked whole before any is queued: a malformed event fails the delivery (400,
 * which Event Grid does not retry) rather than leaving part of it acknowledged and part dropped.
 */
export function readNotification(body: unknown): DeliveredEvent[] {
  return eventsOf(body).map((event, i): DeliveredEvent => {
    const where = `event ${i}`;
    const type = eventTypeOf(event, where);
    if (type !== BLOB_CREATED) return { kind: 'other', type };
    const data = eventDataOf(event, where);
    if (typeof data?.url !== 'string' || data.url === '')
      throw new EventGridDeliveryError(`${where}: a ${BLOB_CREATED} event needs data.url`);
    if (typeof data.eTag !== 'string' || data.eTag === '')
      throw new EventGridDeliveryError(`${where}: a ${BLOB_CREATED} event needs data.eTag`);
    return { kind: 'blobCreated', blob: { url: data.url, eTag: data.eTag } };
  });
}
