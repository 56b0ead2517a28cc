import { describe, expect, it } from 'vitest';
import {
  allowedOrigin,
  EventGridDeliveryError,
  eventsOf,
  eventTypeOf,
  validationCodeOf,
} from '../src/event-grid/event-grid-delivery.js';

// The Event Grid webhook protocol both webhooks share (the local host's blob extension, score-http's
// repository events): the two schemas, the handshake's code, and what is refused as not a delivery.
describe('Event Grid deliveries', () => {
  const blobCreated = { eventType: 'Microsoft.Storage.BlobCreated', subject: '/x', data: { url: 'u' } };
  const cloudEvent = { specversion: '1.0', type: 'Microsoft.Storage.BlobDeleted', source: 's', id: '1' };

  it('reads the Event Grid schema (an array) and CloudEvents 1.0 (one event or a batch)', () => {
    expect(eventsOf([blobCreated]).map((e, i) => eventTypeOf(e, `event ${i}`))).toEqual([
      'Microsoft.Storage.BlobCreated',
    ]);
    expect(eventsOf(cloudEvent).map((e, i) => eventTypeOf(e, `event ${i}`))).toEqual([
      'Microsoft.Storage.BlobDeleted',
    ]);
    expect(eventsOf([cloudEvent, blobCreated])).toHaveLength(2);
  });

  it('refuses a delivery whole when any event is not one', () => {
    for (const body of [
      null,
      'x',
      [blobCreated, 3],
      [{ subject: '/no-type' }],
      [{ ...cloudEvent, specversion: '0.3' }],
    ])
      expect(() => eventsOf(body)).toThrow(EventGridDeliveryError);
  });

  it("echoes the handshake's code, from an object or a CloudEvent's JSON-string data", () => {
    const validation = {
      eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
      data: { validationCode: 'c1' },
    };
    expect(validationCodeOf([validation])).toBe('c1');
    expect(
      validationCodeOf({ ...cloudEvent, type: 'x', data: JSON.stringify({ validationCode: 'c2' }) }),
    ).toBe('c2');
    expect(() => validationCodeOf([{ ...validation, data: {} }])).toThrow(/no data.validationCode/);
    expect(() => validationCodeOf([{ ...validation, data: '{' }])).toThrow(/not JSON/);
  });

  it("answers Event Grid's own clouds with their origin and anything else with the public cloud's", () => {
    expect(allowedOrigin('eventgrid.azure.us')).toBe('eventgrid.azure.us');
    expect(allowedOrigin('evil.example')).toBe('eventgrid.azure.net');
    expect(allowedOrigin(null)).toBe('eventgrid.azure.net');
  });
});
