import { context, SpanKind, trace, type Attributes, type Span } from '@opentelemetry/api';
import { rememberInvocationTrace } from './invocation-trace.js';
import { isInert, runInSpan } from './span.js';
import { traceContextOf, type TraceCarrier } from './trace-context.js';

const tracer = trace.getTracer('@modelfn/telemetry');

export interface IncomingSpanOptions {
  /** The caller's trace context as it travelled (HTTP headers, message properties): the local host's only source. */
  carrier?: TraceCarrier;
  attributes?: Attributes;
  /** SERVER (the default) for a request, CONSUMER for a message or a blob: when this span is the invocation's. */
  kind?: SpanKind.SERVER | SpanKind.CONSUMER;
  /** The invocation's context, so its log line (written by a post-invocation hook) joins this span's trace. */
  invocation?: object;
}

/**
 * Runs `fn` in a span for work a caller sent (an HTTP request, a message, a blob), in one of two shapes, so
 * that Application Insights records each invocation as exactly one request:
 *
 * - In Azure the Functions host has already recorded the invocation's request span (SERVER, or the Service
 *   Bus SDK's CONSUMER span) and passed its context, which the instrumentation makes active for the handler.
 *   This span is then an INTERNAL child of it; the carrier is not read, the host has read it already.
 * - Without an active span (the local host gives none) this span is the invocation's SERVER or CONSUMER span,
 *   in the trace the carrier holds (traceparent / Diagnostic-Id), else in a new one.
 *
 * With tracing off the span is a stand-in and `fn` runs as it would without it. Function handlers get this
 * span through `observeInvocation` (`@modelfn/functions`), which knows each trigger's kind and facts.
 */
export function inIncomingSpan<T>(
  name: string,
  { carrier, attributes, kind = SpanKind.SERVER, invocation }: IncomingSpanOptions,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const active = context.active();
  const hostSpan = trace.getSpan(active) !== undefined;
  const parent = hostSpan ? active : traceContextOf(carrier, active);
  const span = tracer.startSpan(name, { kind: hostSpan ? SpanKind.INTERNAL : kind, attributes }, parent);
  if (invocation && !isInert(span)) rememberInvocationTrace(invocation, span.spanContext());
  return runInSpan(span, parent, fn);
}
