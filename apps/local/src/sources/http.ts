import type { HttpFunctionDefinition } from '@modelfn/functions';
import { routePrefixFromHostJson, startHttpHost, type RunningHttpHost } from '@modelfn/local-host';
import { hostJsonPath, httpFunctions } from '@modelfn/score-http';
import type { Settings } from '@modelfn/scoring';
import type { Logger } from 'pino';
import { portSetting, type Env } from '@modelfn/settings';
import { invocationHooks } from './observer.js';

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
    host: env.HOST || '127.0.0.1',
    routePrefix: routePrefixFromHostJson(hostJsonPath),
    maxRequestBytes: settings.maxRequestBytes,
    logger: log.child({ source: 'http' }),
    hooks: invocationHooks(log),
  });
}
