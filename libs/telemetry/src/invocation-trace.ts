import { context, trace, type SpanContext } from '@opentelemetry/api';

/**
 * Kept on the invocation's context object, as the invocation report is (a WeakMap entry per invocation
 * costs the GC); `Symbol.for`, so that two copies of this module (a bundle and its sources) agree.
 */
const TRACE = Symbol.for('modelfn.invocation-trace');

type Traced = { [TRACE]?: SpanContext };

/** Marks `invocation` (a Functions InvocationContext) as handled in the span whose context this is. */
export function rememberInvocationTrace(invocation: object, spanContext: SpanContext): void {
  (invocation as Traced)[TRACE] = spanContext;
}

/**
 * Runs `fn` in the trace of the span that handled `invocation`, when one was recorded: the post-invocation
 * hooks run after that span ended and outside it (in Azure and on the local host alike), yet the invocation's
 * log line belongs to its trace. Without a recorded span `fn` just runs.
 */
export function inInvocationTrace<T>(invocation: object, fn: () => T): T {
  const spanContext = (invocation as Traced)[TRACE];
  return spanContext ? context.with(trace.setSpanContext(context.active(), spanContext), fn) : fn();
}
