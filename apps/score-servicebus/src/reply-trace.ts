import { injectTraceContext, traceContextOf } from '@modelfn/telemetry';
import { context, SpanKind, trace, type Attributes } from '@opentelemetry/api';
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
