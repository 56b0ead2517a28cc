import { context, propagation, type Context, type TextMapGetter } from '@opentelemetry/api';

/** Where a caller's trace context travels: HTTP headers, or a Service Bus message's application properties. */
export type TraceCarrier = { get(name: string): string | null | undefined } | Record<string, unknown>;

const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * A W3C `traceparent`, or the `Diagnostic-Id` the Azure SDKs set on a Service Bus message (a traceparent
 * too, named after .NET's Activity; any letter case).
 */
function field(carrier: TraceCarrier, key: string): string | undefined {
  if (typeof carrier.get === 'function') {
    const get = carrier.get as (name: string) => string | null | undefined;
    return (
      text(get.call(carrier, key)) ??
      (key === 'traceparent' ? text(get.call(carrier, 'diagnostic-id')) : undefined)
    );
  }
  const props = carrier as Record<string, unknown>;
  const found = text(props[key]);
  if (found || key !== 'traceparent') return found;
  for (const name of Object.keys(props)) if (name.toLowerCase() === 'diagnostic-id') return text(props[name]);
  return undefined;
}

const getter: TextMapGetter<TraceCarrier> = {
  keys: () => ['traceparent', 'tracestate'],
  get: (carrier, key) => field(carrier, key),
};

/** The trace context a request carries, over the active one (unchanged when tracing is off). */
export function traceContextOf(
  carrier: TraceCarrier | undefined,
  parent: Context = context.active(),
): Context {
  return carrier ? propagation.extract(parent, carrier, getter) : parent;
}

/**
 * Properties for an outgoing message in the trace of `ctx`: `traceparent` (and `tracestate`) and the same
 * value as `Diagnostic-Id`, which the Azure SDKs and the Functions host read. With tracing off nothing is
 * recorded, but the caller's own `traceparent` is carried over as it came, so a reply still joins its trace.
 */
export function injectTraceContext(ctx: Context, incoming?: TraceCarrier): Record<string, string> {
  const out: Record<string, string> = {};
  propagation.inject(ctx, out);
  const traceparent = out.traceparent ?? (incoming && field(incoming, 'traceparent'));
  if (!traceparent) return {};
  const tracestate =
    out.tracestate ?? (incoming && !out.traceparent ? field(incoming, 'tracestate') : undefined);
  return { traceparent, 'Diagnostic-Id': traceparent, ...(tracestate ? { tracestate } : {}) };
}
