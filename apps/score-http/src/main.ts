// Azure Functions entry point (package.json "main"): registers the app's function definitions with the host.
import './telemetry.js';
import { app } from '@azure/functions';
import { invocationObserver, registerHooks } from '@modelfn/functions';
import { registry, sharedScorer } from '@modelfn/scoring';
import { httpFunctions, jobFunctions, jobTimeoutProblems } from './functions.js';
import { logger } from './log.js';

// Bodies are small and read whole; streaming would only add the HTTP proxy hop per request.
app.setup({ enableHttpStream: false });

for (const { name, options } of httpFunctions) app.http(name, options);
// Requests answered 202 are scored by this app's own job function, on any of its instances.
for (const { name, options } of jobFunctions) app.storageQueue(name, options);
// One log line and the trigger-wide metrics per invocation, as the local host runs the same hooks.
registerHooks(app.hook, invocationObserver({ registry, logger }));

// Load the models while the worker starts, not on the first request; a failure is reported here and again,
// as a 5xx with the reason, on every request.
sharedScorer()
  .then(async (scorer) => {
    await scorer.modelsSettled();
    for (const problem of jobTimeoutProblems(scorer)) logger.warn({ problem }, 'job_timeout_ms');
  })
  .catch((e: unknown) => logger.error({ err: e }, 'the scorer could not start'));
