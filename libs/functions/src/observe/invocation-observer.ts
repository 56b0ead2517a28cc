import type {
  InvocationContext,
  PostInvocationContext,
  PostInvocationHandler,
  PreInvocationContext,
  PreInvocationHandler,
} from '@azure/functions';
import { inInvocationTrace } from '@modelfn/telemetry';
import type { Registry } from 'prom-client';
import type { InvocationHooks } from '../definitions/hooks.js';
import type { HostLogger } from '../log/host-logger.js';
import { invocationMetrics } from './invocation-metrics.js';
import { invocationReport, type InvocationOutcome, type InvocationReport } from './invocation-report.js';

export interface InvocationObserverOptions {
  /** Where the invocation series go (the registry GET /metrics serves). */
  registry: Registry;
  logger: HostLogger;
}

/** The pre and post hook of the observer, as arrays so they can be passed as a source's hooks as they are. */
export interface InvocationObserver extends InvocationHooks {
  pre: [PreInvocationHandler];
  post: [PostInvocationHandler];
}

const STARTED = 'modelfn.started';

/** `httpTrigger` → `http`, `blobTrigger` → `blob`, `serviceBusTrigger` → `servicebus`. */
export function triggerName(context: InvocationContext): string {
  const type = context.options?.trigger?.type ?? 'unknown';
  return type.replace(/Trigger$/, '').toLowerCase();
}

/** An HTTP response's outcome by its status, for functions that do not report one themselves. */
export function outcomeOfStatus(status: number): InvocationOutcome {
  if (status < 400) return 'ok';
  if (status < 500) return 'rejected';
  return status === 500 ? 'failed' : 'unavailable';
}

function outcomeOf(
  trigger: string,
  post: PostInvocationContext,
  report?: InvocationReport,
): InvocationOutcome {
  if (post.error !== undefined && post.error !== null) return 'failed';
  if (report?.outcome) return report.outcome;
  const status = (post.result as { status?: unknown } | undefined)?.status;
  if (trigger === 'http' && typeof status === 'number') return outcomeOfStatus(status);
  return 'ok';
}

/** The log line's model and cache: plain values for one item, counts for a batch. */
function summary(scored: Map<string, number> | undefined): Record<string, unknown> {
  if (!scored || scored.size === 0) return {};
  const models = new Set<string>();
  const cache: Record<string, number> = {};
  let items = 0;
  for (const [key, n] of scored) {
    const [model, status] = key.split('\u0000');
    models.add(model);
    cache[status] = (cache[status] ?? 0) + n;
    items += n;
  }
  const statuses = Object.keys(cache);
  return {
    model: [...models].join(','),
    cache: statuses.length === 1 ? statuses[0] : cache,
    ...(items > 1 ? { items } : {}),
  };
}

/**
 * Observability for every trigger through the invocation hooks: one structured log line per invocation
 * (invocation id, trigger, function, model, cache outcome, outcome, duration) and the Prometheus series
 * `modelfn_invocations_total`, `modelfn_invocation_duration_seconds` and `modelfn_invocation_items_total`.
 * In Azure the hooks are registered with `app.hook` (see registerHooks); locally they are passed to the
 * sources. Handlers tell what only they know with reportScored / reportOutcome.
 *
 * Successful HTTP invocations log at debug: at thousands of requests a second a line each would cost more
 * than the request; their counts are in the metrics. Everything else logs at info or above.
 */
export function invocationObserver({ registry, logger }: InvocationObserverOptions): InvocationObserver {
  const metrics = invocationMetrics(registry);
  const pre = (p: PreInvocationContext) => {
    p.hookData[STARTED] = performance.now();
  };
  const post = (p: PostInvocationContext) => {
    const context = p.invocationContext;
    const started = p.hookData[STARTED];
    const seconds = typeof started === 'number' ? (performance.now() - started) / 1000 : 0;
    const trigger = triggerName(context);
    const report = invocationReport(context);
    const outcome = outcomeOf(trigger, p, report);
    const labels = { trigger, function: context.functionName, outcome };
    metrics.invocations.inc(labels);
    metrics.seconds.observe(labels, seconds);
    if (report) {
      for (const [key, n] of report.scored) {
        const [model, cache, version] = key.split('\u0000');
        const labels = { trigger, function: context.functionName, model };
        metrics.items.inc(version ? { ...labels, version, cache } : { ...labels, cache }, n);
      }
    }

    const quiet = outcome === 'ok' && trigger === 'http';
    if (quiet && logger.isLevelEnabled && !logger.isLevelEnabled('debug')) return;
    const line = {
      invocationId: context.invocationId,
      trigger,
      function: context.functionName,
      ...summary(report?.scored),
      outcome,
      ms: Math.round(seconds * 1e4) / 10,
      ...report?.fields,
    };
    const msg = `${trigger} ${context.functionName} ${outcome}`;
    const why = outcome === 'failed' ? (p.error ?? report?.error) : report?.error;
    // This hook runs after the handler's span ended; the line still belongs to the invocation's trace.
    inInvocationTrace(context, () => {
      if (outcome === 'failed') logger.error({ ...line, err: why }, msg);
      else if (outcome === 'unavailable') logger.warn({ ...line, error: messageOf(why) }, msg);
      else if (outcome === 'rejected') logger.info({ ...line, error: messageOf(why) }, msg);
      else if (quiet) logger.debug(line, msg);
      else logger.info(line, msg);
    });
  };
  return { pre: [pre], post: [post] };
}

function messageOf(e: unknown): string | undefined {
  if (e === undefined || e === null) return undefined;
  return e instanceof Error ? e.message : String(e);
}

/** The part of `app.hook` that registers invocation hooks (the Functions library's, or a test double). */
export interface HookRegistry {
  preInvocation(handler: PreInvocationHandler): unknown;
  postInvocation(handler: PostInvocationHandler): unknown;
}

/** Registers hooks with the Functions library in Azure: `registerHooks(app.hook, observer)`. */
export function registerHooks(hook: HookRegistry, hooks: InvocationHooks): void {
  for (const h of hooks.pre ?? []) hook.preInvocation(h);
  for (const h of hooks.post ?? []) hook.postInvocation(h);
}
