import { injectTraceContext, traceContextOf } from '@modelfn/telemetry';
import { context, ROOT_CONTEXT, SpanKind, trace, type Attributes, type Span } from '@opentelemetry/api';
import type { MessageMeta } from './message-meta.js';

const tracer = trace.getTracer('@modelfn/score-servicebus');

/**
 * The trace properties of a reply: a producer span in the request message's trace (its `traceparent` or
 * `Diagnostic-Id`; the invocation's trace for a message without one), whose context the reply carries as
 * `traceparent` and `Diagnostic-Id`. With tracing off, the request's own trace context is copied as it came.
 */
export function replyTrace(meta: MessageMeta, queue: string, attributes: Attributes): Record<string, string> {
  const parent = traceContextOf(meta.applicationProperties, context.active());
  const span = tracer.startSpan(
    `send ${queue}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: { 'messaging.system': 'servicebus', 'messaging.destination.name': queue, ...attributes },
    },
    parent,
  );
  const properties = injectTraceContext(trace.setSpan(parent, span), meta.applicationProperties);
  span.end();
  return properties;
}

/** A batch of several messages: its span links to each message's trace (OpenTelemetry's batch receive). */
export function linkMessages(span: Span, metas: MessageMeta[]): void {
  if (!span.isRecording()) return;
  for (const meta of metas) {
    const linked = trace.getSpanContext(traceContextOf(meta.applicationProperties, ROOT_CONTEXT));
    if (linked) span.addLink({ context: linked });
  }
}
