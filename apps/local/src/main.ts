// `npm start`: the whole system on this machine (tsx resolves `@modelfn/*` through the root tsconfig.json).
import { telemetrySource } from './telemetry.js';
import cluster from 'node:cluster';
import { createAppLogger } from '@modelfn/functions';
import { httpWorkersFromEnv, type RunningSource } from '@modelfn/local-host';
import { readSettings, sharedScorer } from '@modelfn/scoring';
import { banner } from './banner.js';
import { runHttpWorker } from './http-worker.js';
import { startServices } from './services/index.js';
import { closeAll, exitOnSignals } from './shutdown.js';
import { startSources } from './sources/index.js';

// With an exporter configured, its lines go there too, each in its invocation's trace.
const log = createAppLogger('local');
const env = process.env;

// With LOCAL_HOST_WORKERS > 1, node:cluster runs this script again in each HTTP worker.
if (cluster.isWorker) await runHttpWorker(env, log);
else await startAll();

async function startAll(): Promise<void> {
  const running: RunningSource[] = telemetrySource ? [telemetrySource] : [];
  const stopper = exitOnSignals(running, log);
  try {
    // Settings are checked before anything starts, so a mistyped value fails fast with the setting's name.
    readSettings(env);
    httpWorkersFromEnv(env);
    await startServices(env, log, running);
    // The scorer reads the settings now, including the REDIS_URL the services may have just set.
    // It resolves before the models are warm: the sources start at once, and each model version serves
    // (mnist within a second) as soon as its own load and warm-up are done.
    const scorer = await sharedScorer();
    running.push({ name: 'scorer', describe: () => [], close: () => scorer.close() });
    const settings = readSettings(env);
    // Workers that keep crashing leave half a system: the host says so and stops with exit code 1.
    const { http } = await startSources(env, settings, log, running, (e) => {
      log.error({ err: e }, 'HTTP workers keep crashing: stopping the local host');
      stopper.stop('http-workers-crashing', 1);
    });
    // The banner says what serves, so it waits for every version to settle (as /v2/health/ready does).
    await scorer.modelsSettled();
    for (const problem of scorer.repository.problems) log.warn({ problem }, 'model repository problem');
    process.stdout.write(
      banner({
        models: scorer.repository.summaries(),
        modelRoot: settings.modelRepository,
        services: running.filter((r) => r !== http),
        http,
        cwd: process.cwd(),
      }),
    );
  } catch (e) {
    log.error({ err: e }, 'the local host could not start');
    await closeAll(running, log);
    process.exit(1);
  }
}
