import {
  context,
  INVALID_TRACEID,
  ProxyTracerProvider,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
} from '@opentelemetry/api';

/**
 * The span helpers every traced layer shares, through `@modelfn/telemetry/span`: only `@opentelemetry/api`,
 * so the scoring core can use them without loading an SDK or exporter.
 */

// The API's no-op provider, which a proxy provider hands out until an SDK registers one.
const noopProvider = new ProxyTracerProvider().getDelegate();

/**
 * Whether an SDK is registered to record spans. Without one every span is a stand-in, so a wrapper on a hot
 * path (each invocation's) can skip making one. A provider registered any other way than through the API's
 * proxy counts as on.
 */
export function tracingOn(): boolean {
  const provider = trace.getTracerProvider();
  return !(provider instanceof ProxyTracerProvider) || provider.getDelegate() !== noopProvider;
}

/** No SDK, or nothing to record under: the span is a stand-in and needs no context of its own. */
export function isInert(span: Span): boolean {
  return !span.isRecording() && span.spanContext().traceId === INVALID_TRACEID;
}

/**
 * Runs `fn` with `span` active under `parent` (so what `fn` starts joins it) and ends the span when `fn`
 * settles; a failure is recorded on the span and rethrown. An inert span costs nothing: `fn` just runs.
 */
export function runInSpan<T>(span: Span, parent: Context, fn: (span: Span) => Promise<T>): Promise<T> {
  if (isInert(span)) return fn(span);
  return context.with(trace.setSpan(parent, span), async () => {
    try {
      return await fn(span);
    } catch (e) {
      span.recordException(e as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error)?.message });
      throw e;
    } finally {
      span.end();
    }
  });
}
