// What a serving process of our-http-server.ts loads: apps/score-http's functions on the local HTTP host.
import { invocationObserver } from '@modelfn/functions';
import { routePrefixFromHostJson, startHttpHost, type RunningHttpHost } from '@modelfn/local-host/http';
import { createHttpFunctions, hostJsonPath } from '@modelfn/score-http';
import { createScorer, readSettings, registry, type Scorer } from '@modelfn/scoring';
import pino from 'pino';

export { registry };

let scorer: Scorer | undefined;

export async function serveHttp(): Promise<RunningHttpHost> {
  const settings = readSettings();
  // As sharedScorer does in the apps: the host listens while the models load, each serving once warm.
  const s = await createScorer(settings, { waitForModels: false });
  scorer = s;
  return startHttpHost({
    functions: createHttpFunctions({ scorer: async () => s, authLevel: 'anonymous' }),
    port: Number(process.env.PORT ?? 0),
    routePrefix: routePrefixFromHostJson(hostJsonPath),
    maxRequestBytes: settings.maxRequestBytes,
    logger: pino({ level: 'warn' }),
    // As npm start and Azure run it: the invocation hooks count each request (the bench reads the x-cache
    // outcomes from their series) and log the ones that were not ok.
    hooks: invocationObserver({ registry, logger: pino({ level: 'warn' }) }),
  });
}

/** Resolves when every model version has loaded and warmed up (or failed to). */
export async function modelsSettled(): Promise<void> {
  await scorer?.modelsSettled();
}

export async function closeScorer(): Promise<void> {
  await scorer?.close();
}
