import { fileURLToPath } from 'node:url';
import type { HttpFunctionOptions, HttpMethod } from '@azure/functions';
import {
  observeInvocation,
  type HttpFunctionDefinition,
  type StorageQueueFunctionDefinition,
} from '@modelfn/functions';
import { sharedScorer, type Scorer } from '@modelfn/scoring';
import { enumSetting, type Env } from '@modelfn/settings';
import { metricsHandler, swaggerHandler } from './handlers/ops.js';
import { scoreHandler } from './handlers/score.js';
import { functionTimeoutMs, jobBudget, jobTimeoutWarnings } from './jobs/job-budget.js';
import { jobSettings } from './jobs/job-settings.js';
import { jobStatusHandler } from './jobs/job-status.js';
import { jobStoreFromEnv, type JobStore } from './jobs/job-store.js';
import { runJobHandler } from './jobs/run-job.js';
import {
  inferHandler,
  liveHandler,
  modelConfigHandler,
  modelMetadataHandler,
  modelReadyHandler,
  readyHandler,
  repositoryIndexHandler,
  serverMetadataHandler,
} from './handlers/v2.js';
import { modelLoadHandler, modelUnloadHandler } from './handlers/repository.js';
import { assetHandler, pageHandler } from './playground/handlers.js';
import { repositoryEventsHandler, type RepositoryEventsOptions } from './repository-events/events-handler.js';
import { lazySite } from './playground/site.js';
import { withRequestScope, type ScopedHandler, type ScorerSource } from './request-scope.js';

export type AuthLevel = NonNullable<HttpFunctionOptions['authLevel']>;

export type { HttpFunctionDefinition };

/** This app's host.json (its routePrefix is ""), for hosts that mount the functions outside Azure. */
export const hostJsonPath = fileURLToPath(new URL('../host.json', import.meta.url));

/** The pages' files (playground, docs, their scripts); beside dist/ in a package, beside src/ here. */
export const staticDir = fileURLToPath(new URL('../static/', import.meta.url));

const AUTH_LEVELS: readonly AuthLevel[] = ['anonymous', 'function', 'admin'];

/**
 * HTTP_AUTH_LEVEL: `function` in Azure (the azd template sets it; callers then send a function key). Unset, it
 * is anonymous, so `npm start` and `func start` need no key; an app deployed without the setting is open.
 */
export function authLevelFromEnv(env: Env = process.env): AuthLevel {
  return enumSetting(env, 'HTTP_AUTH_LEVEL', AUTH_LEVELS, 'anonymous');
}

export interface HttpFunctionsOptions {
  /** Default: the process-wide scorer (settings from the environment), created on first use. */
  scorer?: ScorerSource;
  /** Default: authLevelFromEnv(). */
  authLevel?: AuthLevel;
  /** Default: staticDir. */
  staticDir?: string;
  /**
   * Where requests answered 202 are kept (jobs/job-store.ts). Default: on AzureWebJobsStorage, made on first
   * use; without that setting every request is answered synchronously.
   */
  jobs?: () => JobStore | undefined;
  /** The Event Grid webhook of a blob model repository (repository-events/events-handler.ts). */
  repositoryEvents?: RepositoryEventsOptions;
}

/** The process's job store on AzureWebJobsStorage, made on first use (registering needs no storage). */
function lazyJobStore(): () => JobStore | undefined {
  let store: { value: JobStore | undefined } | undefined;
  return () => (store ??= { value: jobStoreFromEnv() }).value;
}

/** Every function of the app, once, as data: Azure's entry point and the local host both mount this list. */
export function createHttpFunctions(opts: HttpFunctionsOptions = {}): HttpFunctionDefinition[] {
  const scorer = opts.scorer ?? sharedScorer;
  const authLevel = opts.authLevel ?? authLevelFromEnv();
  const controlLevel: AuthLevel = authLevel === 'anonymous' ? 'anonymous' : 'admin';
  const fn = (
    name: string,
    method: HttpMethod,
    route: string,
    handler: ScopedHandler,
    level: AuthLevel = authLevel,
  ): HttpFunctionDefinition => ({
    name,
    options: {
      methods: [method],
      route,
      authLevel: level,
      handler: observeInvocation('http', withRequestScope(name, handler)),
    },
  });
  const site = lazySite(opts.staticDir ?? staticDir);
  const jobs = opts.jobs ?? lazyJobStore();
  const events = repositoryEventsHandler(scorer, opts.repositoryEvents);
  return [
    fn('score', 'POST', 'score', scoreHandler(scorer, jobs)),
    fn(
      'score-job-status',
      'GET',
      'score/jobs/{id}',
      // Read once: a malformed HTTP_JOB_RETENTION_HOURS fails the start, not every status call.
      jobStatusHandler(jobs, { retentionHours: jobSettings().retentionHours }),
    ),
    fn('v2-server-metadata', 'GET', 'v2', serverMetadataHandler()),
    // Liveness and readiness are anonymous whatever HTTP_AUTH_LEVEL says: probes (a load balancer, an uptime
    // check) carry no function key. They tell up or not, and when not ready which model versions and why;
    // every other route, inference and model metadata included, takes the level.
    fn('v2-health-live', 'GET', 'v2/health/live', liveHandler(), 'anonymous'),
    fn('v2-health-ready', 'GET', 'v2/health/ready', readyHandler(scorer), 'anonymous'),
    fn('v2-model-metadata', 'GET', 'v2/models/{model}', modelMetadataHandler(scorer)),
    fn(
      'v2-model-version-metadata',
      'GET',
      'v2/models/{model}/versions/{version}',
      modelMetadataHandler(scorer),
    ),
    fn('v2-model-config', 'GET', 'v2/models/{model}/config', modelConfigHandler(scorer)),
    fn(
      'v2-model-version-config',
      'GET',
      'v2/models/{model}/versions/{version}/config',
      modelConfigHandler(scorer),
    ),
    fn('v2-model-ready', 'GET', 'v2/models/{model}/ready', modelReadyHandler(scorer)),
    fn(
      'v2-model-version-ready',
      'GET',
      'v2/models/{model}/versions/{version}/ready',
      modelReadyHandler(scorer),
    ),
    fn('v2-infer', 'POST', 'v2/models/{model}/infer', inferHandler(scorer)),
    fn('v2-infer-version', 'POST', 'v2/models/{model}/versions/{version}/infer', inferHandler(scorer)),
    fn('v2-repository-index', 'POST', 'v2/repository/index', repositoryIndexHandler(scorer)),
    // Changing what is served takes the host's master key (Functions' `admin` level) wherever keys are asked
    // for at all; a function key reads and scores, it does not load or unload models.
    fn(
      'v2-repository-load',
      'POST',
      'v2/repository/models/{model}/load',
      modelLoadHandler(scorer),
      controlLevel,
    ),
    fn(
      'v2-repository-unload',
      'POST',
      'v2/repository/models/{model}/unload',
      modelUnloadHandler(scorer),
      controlLevel,
    ),
    // Event Grid posts a blob model repository's events here (a function key in its URL where keys are
    // asked for); OPTIONS is the CloudEvents handshake, answered by the same handler.
    fn('repository-events', 'POST', 'repository/events', events),
    fn('repository-events-handshake', 'OPTIONS', 'repository/events', events),
    fn('swagger', 'GET', 'swagger.json', swaggerHandler(scorer)),
    fn('metrics', 'GET', 'metrics', metricsHandler()),
    // The pages are anonymous whatever HTTP_AUTH_LEVEL says: they are public files with no data and no
    // secret, and the page sends the key it is given with each API call. `{page:maxlength(0)?}` matches
    // only the site root: an empty route is replaced by the function's name in Azure (docs/decisions.md).
    fn('playground', 'GET', '{page:maxlength(0)?}', pageHandler(site, 'index.html'), 'anonymous'),
    fn('docs', 'GET', 'docs', pageHandler(site, 'docs.html'), 'anonymous'),
    fn('static', 'GET', 'static/{*path}', assetHandler(site), 'anonymous'),
  ];
}

export const httpFunctions: HttpFunctionDefinition[] = createHttpFunctions();

export interface JobFunctionsOptions {
  scorer?: () => Promise<Scorer>;
  /** Default: the store on AzureWebJobsStorage. */
  jobs?: () => JobStore | undefined;
  /** Default: HTTP_JOB_QUEUE. */
  queue?: string;
  /**
   * The app's functionTimeout in ms (undefined: unbounded), which caps every job's job_timeout_ms less the
   * time to write its answer. Default: this app's host.json.
   */
  functionTimeoutMs?: number;
}

/**
 * The job function: requests POST /score answered with 202, taken from the jobs queue (Storage Queue
 * trigger on AzureWebJobsStorage) and scored by any instance of this app; host.json's `extensions.queues`
 * bounds how many run at once.
 */
export function createJobFunctions(opts: JobFunctionsOptions = {}): StorageQueueFunctionDefinition[] {
  const settings = jobSettings();
  const jobs = opts.jobs ?? lazyJobStore();
  const store = () => {
    const s = jobs();
    if (!s) throw new Error(`app setting ${settings.connectionSetting} is not set: jobs cannot be read`);
    return s;
  };
  return [
    {
      name: 'scoreJob',
      options: {
        queueName: opts.queue ?? settings.queue,
        connection: settings.connectionSetting,
        handler: observeInvocation(
          'queue',
          runJobHandler(
            opts.scorer ?? sharedScorer,
            store,
            jobBudget('functionTimeoutMs' in opts ? opts.functionTimeoutMs : functionTimeoutMs(hostJsonPath)),
          ),
        ),
      },
    },
  ];
}

export const jobFunctions: StorageQueueFunctionDefinition[] = createJobFunctions();

/**
 * What a host logs at start-up, once the models settled: each model version whose job_timeout_ms does not
 * fit under this app's functionTimeout (its jobs are cut there; see jobs/job-budget.ts).
 */
export function jobTimeoutProblems(scorer: Scorer): string[] {
  return jobTimeoutWarnings(scorer, functionTimeoutMs(hostJsonPath));
}
