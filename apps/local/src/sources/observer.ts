import { invocationObserver, type InvocationObserver } from '@modelfn/functions';
import { registry } from '@modelfn/scoring';
import type { Logger } from 'pino';

let observer: InvocationObserver | undefined;

/**
 * The invocation hooks every source runs (one log line and the trigger-wide metrics per invocation), as the
 * apps' entry points register them with `app.hook` in Azure. One per process: each HTTP cluster worker has
 * its own, counting into its own registry (GET /metrics sums them, see host-metrics.ts).
 */
export function invocationHooks(log: Logger): InvocationObserver {
  return (observer ??= invocationObserver({ registry, logger: log.child({ source: 'invocations' }) }));
}
