import cluster from 'node:cluster';
import type { HttpFunctionDefinition } from '@modelfn/functions';
import { routePrefixFromHostJson, startHttpHost, type RunningHttpHost } from '@modelfn/local-host';
import { hostJsonPath, httpFunctions } from '@modelfn/score-http';
import type { Settings } from '@modelfn/scoring';
import type { Logger } from 'pino';
import { intSetting, portSetting, type Env } from '@modelfn/settings';
import { invocationHooks } from './observer.js';

/**
 * Connections one HTTP process serves at once (LOCAL_HOST_MAX_CONNECTIONS). Default 0, no cap: under a storm
 * of clients that reconnect at once (wrk), 503s kept the accept queues full and new clients waited longer.
 */
const DEFAULT_MAX_CONNECTIONS = 0;
/**
 * Listening sockets per worker (see startAcceptors). Measured with e2e/test/support/connection-storm.ts, back
 * to back on the shared machine: 8 sockets gave new clients p99 5.2 s over the whole storm (986 ms once its
 * 1,000 connections were open), 32 gave 1.1 s (1.1 s), 64 gave 1.5 s (836 ms); one socket, 10 s and more.
 */
const ACCEPT_SOCKETS = 32;

/** apps/score-http's functions on the local HTTP host, with the routes its host.json gives them in Azure. */
export function startHttpSource(
  env: Env,
  settings: Settings,
  log: Logger,
  functions: readonly HttpFunctionDefinition[] = httpFunctions,
): Promise<RunningHttpHost> {
  return startHttpHost({
    functions,
    port: portSetting(env, 'PORT', 7071),
    // Cluster workers on Linux: a listening socket each, the kernel spreads connections (fair accept under
    // a connection storm; see HttpHostOptions.reusePort). The primary fixed the port before forking.
    reusePort: cluster.isWorker && process.platform === 'linux',
    acceptSockets: ACCEPT_SOCKETS,
    // Per process: a connection storm gets fast 503s with Retry-After past it rather than starving new
    // clients (measured in e2e/test/support/connection-storm.ts).
    maxConnections: intSetting(env, 'LOCAL_HOST_MAX_CONNECTIONS', DEFAULT_MAX_CONNECTIONS, { min: 0 }),
    host: env.HOST || '127.0.0.1',
    routePrefix: routePrefixFromHostJson(hostJsonPath),
    hostJsonPath,
    maxRequestBytes: settings.maxRequestBytes,
    logger: log.child({ source: 'http' }),
    hooks: invocationHooks(log),
  });
}
