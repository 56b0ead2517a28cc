import { context, SpanKind, trace, type Attributes, type Span } from '@opentelemetry/api';
import { runInSpan } from './span.js';
import { traceContextOf, type TraceCarrier } from './trace-context.js';

const tracer = trace.getTracer('@modelfn/telemetry');

/**
 * Runs `fn` in a span for work a caller sent (an HTTP request, a message), in the caller's trace: the
 * active one when the Functions host gave it (the instrumentation binds it to the handler), else the one
 * `carrier` holds (traceparent / Diagnostic-Id), as the local host passes none. With tracing off the span is
 * a stand-in and `fn` runs as it would without it.
 */
export function inIncomingSpan<T>(
  name: string,
  carrier: TraceCarrier | undefined,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
  kind: SpanKind = SpanKind.SERVER,
): Promise<T> {
  const active = context.active();
  const parent = trace.getSpan(active) ? active : traceContextOf(carrier, active);
  return runInSpan(tracer.startSpan(name, { kind, attributes }, parent), parent, fn);
}

/**
 * A trigger's handler in a consumer span of its own (a blob, whose trigger brings no caller trace): the
 * Functions host's trace in Azure, a new one on the local host, so the scoring spans under it stay together.
 */
export function tracedHandler<I, C extends { triggerMetadata?: Record<string, unknown> }, R>(
  name: string,
  handler: (input: I, context: C) => R,
): (input: I, context: C) => Promise<Awaited<R>> {
  return (input, ctx) => {
    const blob = ctx.triggerMetadata?.name;
    return inIncomingSpan(
      name,
      undefined,
      typeof blob === 'string' ? { 'modelfn.blob.name': blob } : {},
      async (): Promise<Awaited<R>> => await handler(input, ctx),
      SpanKind.CONSUMER,
    );
  };
}
