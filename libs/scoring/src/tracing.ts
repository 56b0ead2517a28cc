import { context, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import { isInert, runInSpan } from '@modelfn/telemetry/span';

/**
 * Spans of the scoring path through `@opentelemetry/api` only: the app registers an SDK (or not). With none
 * registered the API's tracer is a no-op, and `traced` skips even the context switch and the wrapper, so
 * tracing off costs one non-recording span object per call (test/tracing-cost.test.ts checks that nothing
 * more happens).
 */
const tracer = trace.getTracer('@modelfn/scoring');

/** Attribute names, one vocabulary for every span (and for the apps' spans). */
export const ATTR = {
  model: 'modelfn.model',
  version: 'modelfn.model.version',
  cache: 'modelfn.cache',
  rows: 'modelfn.rows',
  placement: 'modelfn.placement',
  batchRequests: 'modelfn.batch.requests',
} as const;

/** The attributes every span of a model version's work carries (repository names, never request input). */
export function modelAttributes(model: { name: string; version: string }): Attributes {
  return { [ATTR.model]: model.name, [ATTR.version]: model.version };
}

/**
 * Runs `fn` in a span named `name` (active for what `fn` starts), ended when `fn` settles; a failure is
 * recorded on it and rethrown.
 */
export function traced<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  return runInSpan(tracer.startSpan(name, { attributes }), context.active(), fn);
}

/**
 * A span for work that does not happen inside one call (a request waiting in a model's queue): started
 * now, ended by the caller. Undefined when tracing records nothing, so the caller keeps nothing.
 */
export function startSpan(name: string, attributes: Attributes): { span: Span; parent: Context } | undefined {
  const span = tracer.startSpan(name, { attributes });
  if (isInert(span)) return undefined;
  return { span, parent: context.active() };
}

/** Runs `fn` in the context a `startSpan` caller was in (its queue-mates' work then joins its trace). */
export function inContext<T>(parent: Context | undefined, fn: () => T): T {
  return parent ? context.with(parent, fn) : fn();
}

/**
 * An object whose `infer` may be called from a message listener (an entry script's thread asks the host to
 * run a session): bound to the active span, so those runs join the trace of the call that made `ctx`.
 */
export function bindInfer<T extends { infer: (...args: never[]) => Promise<unknown> }>(ctx: T): T {
  const active = context.active();
  if (!trace.getSpan(active)?.isRecording()) return ctx;
  return { ...ctx, infer: context.bind(active, ctx.infer) };
}
