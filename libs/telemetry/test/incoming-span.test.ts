// Which span an invocation gets: the request's own on the local host, a child of the Functions host's in Azure.
import { context, propagation, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { inIncomingSpan, inInvocationTrace, startTelemetry, type Telemetry } from '../src/index.js';

const exporter = new InMemorySpanExporter();
let telemetry: Telemetry | undefined;
beforeAll(async () => {
  telemetry = await startTelemetry({
    serviceName: 'score-test',
    env: {},
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
});
afterAll(() => telemetry?.shutdown());
beforeEach(() => exporter.reset());

const CALLER_TRACE = '0af7651916cd43dd8448eb211c80319c';
const CALLER_SPAN = 'b7ad6b7169203331';
const HOST_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const HOST_SPAN = '00f067aa0ba902b7';
const callerHeaders = new Headers({ traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` });

/**
 * The context the Functions host passes with an invocation (its own span for it), made active the way the
 * Functions instrumentation's pre-invocation hook does: extracted, then bound to the handler.
 */
function asTheHostCalls<T>(fn: () => T): T {
  const host = propagation.extract(context.active(), {
    traceparent: `00-${HOST_TRACE}-${HOST_SPAN}-01`,
    tracestate: '',
  });
  return context.bind(host, fn)();
}

const tracer = trace.getTracer('test');
const named = (name: string): ReadableSpan => {
  const spans = exporter.getFinishedSpans().filter((s) => s.name === name);
  expect(spans, name).toHaveLength(1);
  return spans[0];
};

/** A handler's work: one scoring-like span under the incoming one. */
const work = async () => tracer.startActiveSpan('modelfn.infer', (s) => s.end());

describe('inIncomingSpan on the local host (no host context)', () => {
  it("is the request's SERVER span, in the trace the caller's traceparent names, with the work under it", async () => {
    await inIncomingSpan(
      'HTTP score',
      { carrier: callerHeaders, attributes: { 'http.request.method': 'POST' } },
      work,
    );
    const request = named('HTTP score');
    expect(request.kind).toBe(SpanKind.SERVER);
    expect(request.spanContext().traceId).toBe(CALLER_TRACE);
    expect(request.parentSpanContext?.spanId).toBe(CALLER_SPAN);
    expect(request.attributes['http.request.method']).toBe('POST');
    const infer = named('modelfn.infer');
    expect(infer.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
  });

  it('is a CONSUMER span for a message (its Diagnostic-Id read too), a root one without a carrier', async () => {
    await inIncomingSpan(
      'ServiceBus batch',
      { carrier: { 'Diagnostic-Id': `00-${CALLER_TRACE}-${CALLER_SPAN}-01` }, kind: SpanKind.CONSUMER },
      work,
    );
    const batch = named('ServiceBus batch');
    expect(batch.kind).toBe(SpanKind.CONSUMER);
    expect(batch.spanContext().traceId).toBe(CALLER_TRACE);
    exporter.reset();
    await inIncomingSpan(
      'Blob scoreBlob',
      { kind: SpanKind.CONSUMER, attributes: { 'modelfn.blob.name': 'digit.png' } },
      work,
    );
    const span = named('Blob scoreBlob');
    expect(span.kind).toBe(SpanKind.CONSUMER);
    expect(span.parentSpanContext).toBeUndefined();
    expect(span.attributes['modelfn.blob.name']).toBe('digit.png');
  });
});

describe('inIncomingSpan in Azure (the host passed its span for the invocation)', () => {
  it("is an INTERNAL child of the host's span, whatever the request carries (the host read that already)", async () => {
    await asTheHostCalls(() => inIncomingSpan('HTTP score', { carrier: callerHeaders }, work));
    const request = named('HTTP score');
    expect(request.kind).toBe(SpanKind.INTERNAL);
    expect(request.spanContext().traceId).toBe(HOST_TRACE);
    expect(request.parentSpanContext?.spanId).toBe(HOST_SPAN);
    expect(named('modelfn.infer').parentSpanContext?.spanId).toBe(request.spanContext().spanId);
  });

  it('turns a CONSUMER span into an INTERNAL one as well (Service Bus, blob)', async () => {
    await asTheHostCalls(() =>
      inIncomingSpan('ServiceBus batch', { kind: SpanKind.CONSUMER }, async () => undefined),
    );
    await asTheHostCalls(() =>
      inIncomingSpan('Blob scoreBlob', { kind: SpanKind.CONSUMER }, async () => undefined),
    );
    for (const name of ['ServiceBus batch', 'Blob scoreBlob']) {
      const span = named(name);
      expect(span.kind, name).toBe(SpanKind.INTERNAL);
      expect(span.parentSpanContext?.spanId, name).toBe(HOST_SPAN);
    }
  });
});

describe('the invocation trace', () => {
  it("puts what runs after the handler (the post-invocation hook's log line) in the handler span's trace", async () => {
    const invocation = {};
    await inIncomingSpan('HTTP score', { carrier: callerHeaders, invocation }, async () => undefined);
    const request = named('HTTP score');
    expect(trace.getSpanContext(context.active())).toBeUndefined();
    const seen = inInvocationTrace(invocation, () => trace.getSpanContext(context.active()));
    expect(seen?.traceId).toBe(CALLER_TRACE);
    expect(seen?.spanId).toBe(request.spanContext().spanId);
    expect(inInvocationTrace({}, () => trace.getSpan(context.active()))).toBeUndefined();
    expect(context.with(ROOT_CONTEXT, () => inInvocationTrace({}, () => 42))).toBe(42);
  });
});
