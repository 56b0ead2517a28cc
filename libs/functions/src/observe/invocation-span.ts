import type { InvocationContext } from '@azure/functions';
import { inIncomingSpan, traceContextOf, tracingOn } from '@modelfn/telemetry';
import { ROOT_CONTEXT, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { TriggerName } from '../adapter/trigger-request.js';
import { invocationReport } from './invocation-report.js';
import { reportAttributes } from './report-attributes.js';
import { triggerSpans, type TriggerSpan } from './trigger-spans.js';

/** Any trigger's handler: its input (request, blob, message or batch) and the invocation context. */
export type TriggerHandler<I, R> = (input: I, context: InvocationContext) => R;

/**
 * The one telemetry wrapper of every function, whatever its trigger: the handler runs in the invocation's
 * span, so the scoring spans under it share one trace and Application Insights records one request per
 * invocation.
 *
 * - In Azure the Functions host has recorded the invocation's span and made its context active: this span is
 *   an INTERNAL child of it.
 * - On the local host (no active span) it is the invocation's own: SERVER for HTTP, CONSUMER for a blob or a
 *   message, in the trace the input carries (`traceparent`, `Diagnostic-Id`) or a new one; a Service Bus
 *   batch of several messages links to each message's trace instead.
 *
 * Its attributes are the trigger's facts (`faas.trigger`, `modelfn.trigger`, method, blob name, message
 * count) and, once the handler returns, what it reported for the invocation's log line and metrics
 * (reportScored, reportOutcome, reportFields): model, cache outcome, outcome, request id, HTTP status. An
 * outcome of `failed` or `unavailable` marks the span as an error; a throw is recorded on it and rethrown.
 * With tracing off (no SDK registered) no span is made, not even a stand-in: the handler runs as it would
 * unwrapped, a throw becoming a rejection. This wraps every invocation, cache hits included.
 */
export function observeInvocation<I, R>(
  trigger: TriggerName,
  handler: TriggerHandler<I, R>,
): TriggerHandler<I, Promise<Awaited<R>>> {
  const facts = triggerSpans[trigger];
  return (input, context) => {
    if (!tracingOn()) {
      try {
        // A promise the handler returned is passed on as it is, not wrapped in another.
        return Promise.resolve(handler(input, context)) as Promise<Awaited<R>>;
      } catch (e) {
        return Promise.reject(e as Error);
      }
    }
    return inIncomingSpan(
      facts.name(context.functionName),
      { carrier: facts.carrier?.(input, context), kind: facts.kind, invocation: context },
      async (span): Promise<Awaited<R>> => {
        if (!span.isRecording()) return await handler(input, context);
        describeStart(span, facts, input, context);
        const result = await handler(input, context);
        describeEnd(span, context);
        return result;
      },
    );
  };
}

function describeStart(span: Span, facts: TriggerSpan, input: unknown, context: InvocationContext): void {
  span.setAttributes(facts.attributes(input, context));
  for (const carrier of facts.links?.(input, context) ?? []) {
    const linked = trace.getSpanContext(traceContextOf(carrier, ROOT_CONTEXT));
    if (linked) span.addLink({ context: linked });
  }
}

function describeEnd(span: Span, context: InvocationContext): void {
  const report = invocationReport(context);
  if (!report) return;
  span.setAttributes(reportAttributes(report));
  if (report.outcome === 'failed' || report.outcome === 'unavailable')
    span.setStatus({ code: SpanStatusCode.ERROR });
}
