import type { InvocationContext } from '@azure/functions';

/**
 * How an invocation ended, in words every trigger shares: `ok`; `rejected` (the input can never succeed:
 * an HTTP 4xx, a blob's error record, a message's error reply); `unavailable` (try again later: 503);
 * `failed` (our fault or a transient one: HTTP 500, a thrown handler that the trigger retries).
 */
export type InvocationOutcome = 'ok' | 'rejected' | 'unavailable' | 'failed';

/** What a handler learned while it ran, for the post-invocation hooks to log and count. */
export interface InvocationReport {
  outcome?: InvocationOutcome;
  /** Why it was rejected or failed without throwing: logged, never a metric label. */
  error?: unknown;
  /**
   * Items answered, by `model\u0000cache\u0000version` (a Service Bus batch answers many, from several models
   * and versions; the version is empty when unknown).
   */
  scored: Map<string, number>;
  /** Extra fields for the invocation's log line (request id, HTTP status, ...). */
  fields: Record<string, unknown>;
}

/**
 * Kept on the context object itself rather than in a WeakMap: the context is what both the handler and the
 * hooks hold, in Azure and locally, and a WeakMap entry per invocation costs the GC (see local-context.ts).
 * `Symbol.for`, so that two copies of this module (a bundle and its sources) agree.
 */
const REPORT = Symbol.for('modelfn.invocation-report');

type Reporting = InvocationContext & { [REPORT]?: InvocationReport };

export function invocationReport(context: InvocationContext): InvocationReport | undefined {
  return (context as Reporting)[REPORT];
}

function reportOf(context: InvocationContext): InvocationReport {
  const c = context as Reporting;
  return (c[REPORT] ??= { scored: new Map(), fields: {} });
}

/**
 * One item answered by `model` (a name the repository knows, never raw input: it becomes a metric label),
 * with the cache's answer for it and the `version` that answered (a served version, so a label with few
 * values: a traffic split's requests are counted per version).
 */
export function reportScored(
  context: InvocationContext,
  model: string,
  cache = 'none',
  version?: string,
): void {
  const scored = reportOf(context).scored;
  const key = `${model}\u0000${cache}\u0000${version ?? ''}`;
  scored.set(key, (scored.get(key) ?? 0) + 1);
}

/** The outcome when the handler did not throw (a throw is always `failed`). */
export function reportOutcome(context: InvocationContext, outcome: InvocationOutcome, error?: unknown): void {
  const report = reportOf(context);
  report.outcome = outcome;
  if (error !== undefined) report.error = error;
}

export function reportFields(context: InvocationContext, fields: Record<string, unknown>): void {
  Object.assign(reportOf(context).fields, fields);
}
