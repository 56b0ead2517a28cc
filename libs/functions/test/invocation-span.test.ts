// The one span wrapper of every function: which span each trigger gets, locally and under the Functions
// host, and what the handler's report adds to it. A real SDK with an in-memory exporter, the Functions
// library's own context and request classes.
import azf, { type InvocationContext } from '@azure/functions';
import { startTelemetry, type Telemetry } from '@modelfn/telemetry';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  observeInvocation,
  reportFields,
  reportOutcome,
  reportScored,
  type TriggerName,
} from '../src/index.js';

const { HttpRequest, InvocationContext: Context } = azf;
const exporter = new InMemorySpanExporter();
let telemetry: Telemetry | undefined;
beforeAll(async () => {
  telemetry = await startTelemetry({
    serviceName: 'functions-test',
    env: {},
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
});
afterAll(() => telemetry?.shutdown());
beforeEach(() => exporter.reset());

const traceparent = (t: string, s = 'b7ad6b7169203331') => `00-${t}-${s}-01`;
const CALLER = '0af7651916cd43dd8448eb211c80319c';
const OTHER = '1af7651916cd43dd8448eb211c80319d';
const HOST_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const HOST_SPAN = '00f067aa0ba902b7';

const invocation = (functionName: string, triggerMetadata: Record<string, unknown> = {}) =>
  new Context({ functionName, invocationId: `inv-${functionName}`, triggerMetadata });

const only = (): ReadableSpan => {
  const spans = exporter.getFinishedSpans();
  expect(spans.map((s) => s.name)).toHaveLength(1);
  return spans[0];
};

/** A handler that reports as the apps' do, with one scoring-like span under the invocation's. */
const scoring =
  (model: string, cache: string) =>
  async (_input: unknown, ctx: InvocationContext): Promise<string> => {
    trace.getTracer('test').startActiveSpan('modelfn.infer', (s) => s.end());
    reportScored(ctx, model, cache);
    return 'answered';
  };

describe('observeInvocation on the local host (no host span)', () => {
  it("HTTP: the request's SERVER span in the caller's trace, with what the handler reported", async () => {
    const handler = observeInvocation('http', async (_req: unknown, ctx: InvocationContext) => {
      await scoring('mnist', 'hit')(_req, ctx);
      reportOutcome(ctx, 'ok');
      reportFields(ctx, { requestId: 'r-1', status: 200 });
      return { status: 200 };
    });
    const request = new HttpRequest({
      method: 'POST',
      url: 'http://localhost/score',
      headers: { traceparent: traceparent(CALLER) },
    });
    expect(await handler(request, invocation('score'))).toEqual({ status: 200 });
    const spans = exporter.getFinishedSpans();
    const span = spans.find((s) => s.name === 'HTTP score');
    expect(span?.kind).toBe(SpanKind.SERVER);
    expect(span?.spanContext().traceId).toBe(CALLER);
    expect(span?.attributes).toMatchObject({
      'faas.trigger': 'http',
      'faas.invocation_id': 'inv-score',
      'modelfn.trigger': 'http',
      'http.request.method': 'POST',
      'http.response.status_code': 200,
      'modelfn.request_id': 'r-1',
      'modelfn.model': 'mnist',
      'modelfn.cache': 'hit',
      'modelfn.outcome': 'ok',
    });
    const infer = spans.find((s) => s.name === 'modelfn.infer');
    expect(infer?.parentSpanContext?.spanId).toBe(span?.spanContext().spanId);
  });

  it('blob and storage queue: a CONSUMER span of its own trace, named after the function', async () => {
    await observeInvocation('blob', async (_blob: unknown, ctx: InvocationContext) =>
      reportScored(ctx, 'mnist', 'miss'),
    )(Buffer.alloc(0), invocation('scoreBlob', { name: 'digit.png' }));
    const blob = only();
    expect(blob.name).toBe('Blob scoreBlob');
    expect(blob.kind).toBe(SpanKind.CONSUMER);
    expect(blob.parentSpanContext).toBeUndefined();
    expect(blob.attributes).toMatchObject({
      'modelfn.blob.name': 'digit.png',
      'faas.trigger': 'datasource',
      'modelfn.cache': 'miss',
    });
    exporter.reset();
    await observeInvocation('queue', async () => undefined)(
      '{}',
      invocation('scoreQueueMessage', { id: 'm-1' }),
    );
    const queue = only();
    expect(queue.name).toBe('Queue scoreQueueMessage');
    expect(queue.kind).toBe(SpanKind.CONSUMER);
    expect(queue.attributes).toMatchObject({ 'messaging.message.id': 'm-1', 'modelfn.trigger': 'queue' });
    expect(queue.attributes['modelfn.model']).toBeUndefined();
  });

  it("Service Bus: a lone message's trace is the span's; a batch links to each message's trace", async () => {
    const batch = observeInvocation('servicebus', async (_bodies: unknown, ctx: InvocationContext) => {
      reportScored(ctx, 'mnist', 'hit');
      reportScored(ctx, 'ocr', 'miss');
    });
    await batch(
      [{}],
      invocation('scoreQueue', { applicationPropertiesArray: [{ 'Diagnostic-Id': traceparent(CALLER) }] }),
    );
    const lone = only();
    expect(lone.name).toBe('ServiceBus batch');
    expect(lone.kind).toBe(SpanKind.CONSUMER);
    expect(lone.spanContext().traceId).toBe(CALLER);
    // Two models in one batch: both named, no single cache outcome.
    expect(lone.attributes).toMatchObject({
      'modelfn.model': 'mnist,ocr',
      'messaging.batch.message_count': 1,
    });
    expect(lone.attributes['modelfn.cache']).toBeUndefined();
    exporter.reset();
    await batch(
      [{}, {}, {}],
      invocation('scoreQueue', {
        applicationPropertiesArray: [
          { traceparent: traceparent(CALLER) },
          { traceparent: traceparent(OTHER) },
          {},
        ],
      }),
    );
    const many = only();
    expect(many.spanContext().traceId).not.toBe(CALLER);
    expect(many.links.map((l) => l.context.traceId)).toEqual([CALLER, OTHER]);
    expect(many.attributes['messaging.batch.message_count']).toBe(3);
  });

  it('marks the span as an error for an unavailable or failed outcome, and for a throw (rethrown)', async () => {
    await observeInvocation('http', async (_req: unknown, ctx: InvocationContext) => {
      reportOutcome(ctx, 'unavailable');
      return { status: 503 };
    })(new HttpRequest({ method: 'GET', url: 'http://localhost/v2/health/ready' }), invocation('ready'));
    expect(only().status.code).toBe(SpanStatusCode.ERROR);
    exporter.reset();
    const failing = observeInvocation('blob', async () => {
      throw new Error('storage is down');
    });
    await expect(failing(null, invocation('scoreBlob'))).rejects.toThrow('storage is down');
    expect(only().status).toMatchObject({ code: SpanStatusCode.ERROR, message: 'storage is down' });
    exporter.reset();
    await observeInvocation('http', async (_req: unknown, ctx: InvocationContext) => {
      reportOutcome(ctx, 'rejected');
      return { status: 400 };
    })(new HttpRequest({ method: 'POST', url: 'http://localhost/score' }), invocation('score'));
    expect(only().status.code).toBe(SpanStatusCode.UNSET);
  });
});

describe('observeInvocation under the Functions host (its span is active)', () => {
  /** As the Functions instrumentation binds a handler to the context the host passes. */
  const asTheHostCalls = <T>(fn: () => T): T =>
    context.bind(
      propagation.extract(context.active(), { traceparent: traceparent(HOST_TRACE, HOST_SPAN) }),
      fn,
    )();

  it("is an INTERNAL child of the host span for every trigger; the input's own trace context is not read", async () => {
    const triggers: [TriggerName, string, unknown, Record<string, unknown>][] = [
      [
        'http',
        'HTTP score',
        new HttpRequest({
          method: 'POST',
          url: 'http://localhost/score',
          headers: { traceparent: traceparent(CALLER) },
        }),
        {},
      ],
      ['blob', 'Blob scoreBlob', null, { name: 'x.png' }],
      [
        'servicebus',
        'ServiceBus batch',
        [{}],
        { applicationProperties: { traceparent: traceparent(CALLER) } },
      ],
      ['queue', 'Queue scoreQueueMessage', '{}', {}],
    ];
    for (const [trigger, name, input, meta] of triggers) {
      exporter.reset();
      const fn = name.split(' ')[1];
      await asTheHostCalls(() =>
        observeInvocation(trigger, async () => undefined)(
          input,
          invocation(fn === 'batch' ? 'scoreQueue' : fn, meta),
        ),
      );
      const span = only();
      expect(span.name, trigger).toBe(name);
      expect(span.kind, trigger).toBe(SpanKind.INTERNAL);
      expect(span.spanContext().traceId, trigger).toBe(HOST_TRACE);
      expect(span.parentSpanContext?.spanId, trigger).toBe(HOST_SPAN);
    }
  });
});
