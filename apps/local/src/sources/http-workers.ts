import cluster from 'node:cluster';
import { httpWorkersFromEnv, startHttpWorkers, type RunningHttpWorkers } from '@modelfn/local-host';
import { httpFunctions } from '@modelfn/score-http';
import { sharedScorer, type Settings } from '@modelfn/scoring';
import type { Logger } from 'pino';
import { portSetting, type Env } from '@modelfn/settings';
import { findFreePort, isPortOpen } from '@modelfn/dev-processes';
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
export async function startHttpWorkersSource(
  env: Env,
  settings: Settings,
  log: Logger,
  onGiveUp: (e: Error) => void = () => undefined,
): Promise<RunningHttpWorkers> {
  const workers = httpWorkersFromEnv(env);
  if (workers > 1 && cluster.isPrimary) {
    serveHostMetrics();
    // Each worker listens on sockets of its own (SO_REUSEPORT): PORT=0 must become one port for all, and
    // a port already taken must be refused here, since a second SO_REUSEPORT listener of the same user would
    // be let in beside the first (another `npm start` would silently take half of its connections).
    const host = env.HOST || '127.0.0.1';
    const port = portSetting(env, 'PORT', 7071);
    if (port === 0) env.PORT = String(await findFreePort(host));
    else if (await isPortOpen(port, host))
      throw new Error(
        `HTTP_PORT_IN_USE: ${host}:${port} is already in use; stop what listens there or set PORT`,
      );
  }
  return startHttpWorkers({
    workers,
    // A worker that dies after start-up (a crash, the OOM killer, a stray kill) is replaced; the replacement
    // gets the port's share of connections again once it listens.
    onWorkerExit: ({ pid, code, signal, restarting }) =>
      log.error(
        { workerPid: pid, code, signal },
        restarting ? 'an HTTP worker exited: starting another' : 'an HTTP worker exited',
      ),
    onWorkerStopped: ({ pid, code, signal }) =>
      log.info({ workerPid: pid, code, signal }, 'an HTTP worker stopped'),
    onGiveUp,
    start: async (serving) => {
      if (workers === 1) return startHttpSource(env, settings, log);
      // A worker serves while its models warm up, but reports that it listens only once they have: when
      // the banner shows, every worker is ready. The next worker starts as soon as this one serves.
      const scorer = await sharedScorer();
      const host = await startHttpSource(env, settings, log, withHostMetrics(httpFunctions, log));
      serving();
      await scorer.modelsSettled();
      // A worker exits as soon as its host has closed. Its scorer goes first: onnxruntime sessions and
      // inference threads still alive at process.exit abort it ("terminate called after throwing an
      // instance of 'Napi::Error'"). What its telemetry still buffers is sent last.
      return {
        ...host,
        close: () =>
          host
            .close()
            .finally(() => scorer.close())
            .finally(() => telemetrySource?.close()),
      };
    },
  });
}
