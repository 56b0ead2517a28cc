import cluster from 'node:cluster';
import { httpWorkersFromEnv, startHttpWorkers, type RunningHttpWorkers } from '@modelfn/local-host';
import { httpFunctions } from '@modelfn/score-http';
import { sharedScorer, type Settings } from '@modelfn/scoring';
import type { Logger } from 'pino';
import type { Env } from '@modelfn/settings';
import { telemetrySource } from '../telemetry.js';
import { serveHostMetrics, withHostMetrics } from './host-metrics.js';
import { startHttpSource } from './http.js';

/**
 * The HTTP source in LOCAL_HOST_WORKERS processes. With 1 (the default) it is startHttpSource in this
 * process. With more, the primary forks node:cluster workers that share the port and returns once all of
 * them listen; each worker runs main.ts again, which makes the same call there: it loads a scorer of its
 * own and starts the host. Workers get `process.env` as it is at the fork, so call this after the services
 * have set REDIS_URL and the connection strings.
 */
export function startHttpWorkersSource(
  env: Env,
  settings: Settings,
  log: Logger,
): Promise<RunningHttpWorkers> {
  const workers = httpWorkersFromEnv(env);
  if (workers > 1 && cluster.isPrimary) serveHostMetrics();
  return startHttpWorkers({
    workers,
    start: async (serving) => {
      if (workers === 1) return startHttpSource(env, settings, log);
      // A worker serves while its models warm up, but reports that it listens only once they have: when
      // the banner shows, every worker is ready. The next worker starts as soon as this one serves.
      const scorer = await sharedScorer();
      const host = await startHttpSource(env, settings, log, withHostMetrics(httpFunctions, log));
      serving();
      await scorer.modelsSettled();
      // A worker exits as soon as its host has closed: what its telemetry still buffers is sent first.
      return { ...host, close: () => host.close().finally(() => telemetrySource?.close()) };
    },
  });
}
