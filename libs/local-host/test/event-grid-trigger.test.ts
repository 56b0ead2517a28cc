// Event Grid triggers on the local HTTP host, served as the Functions host's Event Grid extension serves them
// on the app's URL: POST /runtime/webhooks/eventgrid?functionName=<name> with the aeg-event-type handshake,
// one invocation per event of a notification (Event Grid schema or CloudEvents 1.0), 202 once all
// succeeded, 500 when one failed (Event Grid delivers again), 404 for an unknown function, 400 for a
// malformed delivery, and the CloudEvents OPTIONS handshake. The invocation hooks run as for HTTP.
import type { InvocationContext } from '@azure/functions';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventGridFunctionDefinition, HttpFunctionDefinition } from '@modelfn/functions';
import { startHttpHost, type RunningHttpHost } from '../src/index.js';

const seen: { event: Record<string, unknown>; trigger?: string; fn: string }[] = [];
const hooked: string[] = [];

const pokes: EventGridFunctionDefinition = {
  name: 'modelRepositoryEvents',
  options: {
    handler: async (event: unknown, context: InvocationContext) => {
      const e = event as Record<string, unknown>;
      seen.push({ event: e, trigger: context.options.trigger.type, fn: context.functionName });
      if (e.subject === 'fail') throw new Error('this event fails');
    },
  },
};
const http: HttpFunctionDefinition[] = [
  { name: 'hello', options: { methods: ['GET'], route: 'hello', handler: async () => ({ body: 'hi' }) } },
];

let host: RunningHttpHost;
beforeAll(async () => {
  host = await startHttpHost({
    functions: http,
    eventGridFunctions: [pokes],
    port: 0,
    routePrefix: 'api',
    logger: pino({ level: 'silent' }),
    hooks: {
      pre: [(c) => void hooked.push(`pre ${c.invocationContext.functionName}`)],
      post: [(c) => void hooked.push(`post ${c.invocationContext.functionName}`)],
    },
  });
});
afterAll(async () => {
  await host?.close();
});

const webhook = (functionName = 'modelRepositoryEvents') =>
  `${host.url}/runtime/webhooks/eventgrid?functionName=${functionName}&code=anything`;

async function deliver(
  body: unknown,
  eventType = 'Notification',
  functionName?: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(webhook(functionName), {
    method: 'POST',
    headers: { 'aeg-event-type': eventType, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const created = (subject: string) => ({
  id: `id-${subject}`,
  eventType: 'Microsoft.Storage.BlobCreated',
  subject,
  eventTime: '2026-12-07T12:00:00Z',
  dataVersion: '',
  metadataVersion: '1',
  topic: '/subscriptions/s/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/a',
  data: { url: 'http://127.0.0.1/devstoreaccount1/models/plus/2/model.onnx', eTag: '0x1' },
});

describe('Event Grid triggers on the local HTTP host', () => {
  it('answers the subscription handshake with the validation code, invoking nothing', async () => {
    seen.length = 0;
    const answer = await deliver(
      [
        {
          id: '1',
          eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
          subject: '',
          data: { validationCode: 'abc-123' },
        },
      ],
      'SubscriptionValidation',
    );
    expect(answer).toEqual({ status: 200, body: { validationResponse: 'abc-123' } });
    expect(seen).toEqual([]);
  });

  it('runs the function once per event, with the event as its input, and answers 202 once all are done', async () => {
    seen.length = 0;
    hooked.length = 0;
    const events = [created('/blobServices/default/containers/models/blobs/plus/config.json'), created('b')];
    const answer = await deliver(events);
    expect(answer).toEqual({ status: 202, body: { events: 2 } });
    expect(seen.map((s) => s.event)).toEqual(events);
    expect(new Set(seen.map((s) => `${s.fn} ${s.trigger}`))).toEqual(
      new Set(['modelRepositoryEvents eventGridTrigger']),
    );
    expect(hooked.sort()).toEqual([
      'post modelRepositoryEvents',
      'post modelRepositoryEvents',
      'pre modelRepositoryEvents',
      'pre modelRepositoryEvents',
    ]);
  });

  it('takes one event without an array, and CloudEvents 1.0', async () => {
    seen.length = 0;
    const cloud = {
      specversion: '1.0',
      type: 'Microsoft.Storage.BlobDeleted',
      source: '/subscriptions/s/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/a',
      id: 'c1',
      subject: '/blobServices/default/containers/models/blobs/plus/2/model.onnx',
      data: { url: 'http://x/models/plus/2/model.onnx' },
    };
    expect(await deliver(cloud)).toEqual({ status: 202, body: { events: 1 } });
    expect(seen.map((s) => s.event)).toEqual([cloud]);
  });

  it('answers 500 when an invocation fails, so Event Grid delivers the events again', async () => {
    seen.length = 0;
    const answer = await deliver([created('ok'), created('fail')]);
    expect(answer.status).toBe(500);
    expect(answer.body).toMatchObject({ code: 'FUNCTION_FAILED' });
    expect(String(answer.body.error)).toMatch(/1 of 2 invocations of modelRepositoryEvents failed/);
    expect(seen).toHaveLength(2);
  });

  it('refuses an unknown function (404), a missing or unknown header and malformed events (400)', async () => {
    seen.length = 0;
    const unknown = await deliver([created('x')], 'Notification', 'nothing');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: 'FUNCTION_NOT_FOUND' });
    expect(String(unknown.body.error)).toContain('"nothing"');
    const header = await deliver([created('x')], 'Something');
    expect([header.status, header.body.code]).toEqual([400, 'INVALID_EVENT_TYPE_HEADER']);
    const notJson = await deliver('{');
    expect([notJson.status, notJson.body.code]).toEqual([400, 'INVALID_EVENTS']);
    const noType = await deliver([{ id: '1', subject: 'x' }]);
    expect([noType.status, noType.body.code]).toEqual([400, 'INVALID_EVENTS']);
    const partly = await deliver([created('x'), 7]);
    expect([partly.status, partly.body.code]).toEqual([400, 'INVALID_EVENTS']);
    // A malformed delivery invokes nothing, not even its well-formed events.
    expect(seen).toEqual([]);
  });

  it('accepts Unsubscribe, answers the CloudEvents OPTIONS handshake, and serves the HTTP routes as before', async () => {
    expect((await deliver([], 'Unsubscribe')).status).toBe(202);
    const options = await fetch(webhook(), {
      method: 'OPTIONS',
      headers: { 'webhook-request-origin': 'eventgrid.azure.net' },
    });
    expect(options.status).toBe(200);
    expect(options.headers.get('webhook-allowed-origin')).toBe('eventgrid.azure.net');
    const get = await fetch(webhook());
    expect(get.status).toBe(405);
    expect(await (await fetch(`${host.url}/api/hello`)).text()).toBe('hi');
  });

  it('is not served by a host without Event Grid triggers', async () => {
    const bare = await startHttpHost({
      functions: http,
      port: 0,
      routePrefix: 'api',
      logger: pino({ level: 'silent' }),
    });
    try {
      const res = await fetch(`${bare.url}/runtime/webhooks/eventgrid?functionName=modelRepositoryEvents`, {
        method: 'POST',
        headers: { 'aeg-event-type': 'Notification' },
        body: '[]',
      });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { code: string }).code).toBe('ROUTE_NOT_FOUND');
    } finally {
      await bare.close();
    }
  });
});
