import { CacheOpening } from './cache/cache-opening.js';
import { createScoringCache } from './cache/index.js';
import { loadEntryVersion } from './entry-script/load-entry-version.js';
import { isBlobRepository } from './model/repository-location.js';
import { ModelRepository } from './model/model-repository.js';
import { Scorer } from './scorer.js';
import { readSettings, type Settings } from './settings.js';

export interface CreateOptions {
  /**
   * true (the default): resolves once every model version is READY or UNAVAILABLE. false: resolves as soon
   * as the repository is scanned; the versions load and warm up in the background,
   * cheapest first, each READY on its own (`scorer.modelsSettled()` says when all are), and a request for a
   * version still loading waits for it (MODEL_LOAD_WAIT_MS).
   */
  waitForModels?: boolean;
  /** The draw behind config.json `traffic` (default Math.random): tests inject a seeded one. */
  random?: () => number;
}

/**
 * The scorer as every trigger starts it: settings from the environment, models loaded. A Redis cache
 * connects once the models have settled or the first request is answered, whichever is first: making
 * its client costs ~115 ms of CPU that a cold instance's first answer should not wait for.
 */
export async function createScorer(
  settings: Settings = readSettings(),
  opts: CreateOptions = {},
): Promise<Scorer> {
  const sync = isBlobRepository(settings.modelRepository)
    ? // The storage SDK is loaded only by hosts whose models live in blob storage.
      async () =>
        (await import('./model/blob-repository.js')).syncBlobRepository(settings.modelRepository, {
          cacheDir: settings.modelCacheDir,
          connectionString: settings.storageConnection,
          models: settings.models,
          // AzureWebJobsStorage__* and the identity's credential, read where the storage SDK is loaded.
          env: process.env,
        })
    : undefined;
  const root = sync ? await sync() : settings.modelRepository;
  const [repository, cache] = await Promise.all([
    ModelRepository.open({
      root,
      defaultModel: settings.defaultModel,
      models: settings.models,
      intraOpThreads: settings.ortIntraOpThreads,
      loadEntryVersion,
      random: opts.random,
    }),
    // Redis's client is made once the scorer has answered or its models have settled (CacheOpening).
    createScoringCache(settings, { openLater: true }),
  ]);
  const cacheOpening = new CacheOpening(() => cache.open());
  const scorer = new Scorer(settings, repository, cache, cacheOpening);
  if (settings.modelControlMode !== 'none') {
    await repository.enableControl({
      mode: settings.modelControlMode,
      pollIntervalMs: settings.modelPollIntervalS * 1000,
      // A blob repository's copy is brought up to date (changed blobs only) before each read.
      refresh: sync && (() => sync().then(() => undefined)),
      prepare: (v) => scorer.prepareVersion(v),
      release: (v) => scorer.releaseVersion(v),
      scan: { root, models: settings.models, intraOpThreads: settings.ortIntraOpThreads, loadEntryVersion },
    });
  }
  // Never rejects: a version that cannot load or warm up becomes UNAVAILABLE with the reason.
  const loading = repository.startLoading((v) => scorer.prepareVersion(v));
  // Registered before anyone awaits `loading`, so it runs first: waiting for the models returns a scorer
  // whose Redis client is made.
  void loading.then(() => cacheOpening.now());
  if (opts.waitForModels !== false) await loading;
  return scorer;
}

let shared: Promise<Scorer> | undefined;

/**
 * One scorer per process, shared by all functions of an app (a Functions worker loads models once). It
 * resolves before the models are warm: each version serves once it is ready (see CreateOptions).
 */
export function sharedScorer(): Promise<Scorer> {
  // A failed start (an unreadable repository, say) is not remembered: the next invocation tries again.
  shared ??= createScorer(readSettings(), { waitForModels: false }).catch((e: unknown) => {
    shared = undefined;
    throw e;
  });
  return shared;
}
