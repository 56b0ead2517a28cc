import { createRowCache } from './cache/index.js';
import { loadEntryVersion } from './entry-script/load-entry-version.js';
import { isBlobRepository } from './model/repository-location.js';
import { ModelRepository } from './model/model-repository.js';
import { Scorer } from './scorer.js';
import { readSettings, type Settings } from './settings.js';

/** The scorer as every trigger starts it: settings from the environment, models loaded, cache connected. */
export async function createScorer(settings: Settings = readSettings()): Promise<Scorer> {
  const root = isBlobRepository(settings.modelRepository)
    ? // The storage SDK is loaded only by hosts whose models live in blob storage.
      await (
        await import('./model/blob-repository.js')
      ).syncBlobRepository(settings.modelRepository, {
        cacheDir: settings.modelCacheDir,
        connectionString: settings.storageConnection,
        // AzureWebJobsStorage__* and the identity's credential, read where the storage SDK is loaded.
        env: process.env,
      })
    : settings.modelRepository;
  const [repository, cache] = await Promise.all([
    ModelRepository.load({
      root,
      defaultModel: settings.defaultModel,
      intraOpThreads: settings.ortIntraOpThreads,
      loadEntryVersion,
    }),
    createRowCache(settings),
  ]);
  const scorer = new Scorer(settings, repository, cache);
  try {
    // Independent, so together: the scripts' threads start (and run init) while the graphs warm up.
    await Promise.all([scorer.warmUp(), scorer.initEntryScripts()]);
  } catch (e) {
    await scorer.close();
    throw e;
  }
  return scorer;
}

let shared: Promise<Scorer> | undefined;

/** One scorer per process, shared by all functions of an app (a Functions worker loads models once). */
export function sharedScorer(): Promise<Scorer> {
  // A failed start (an unreadable repository, say) is not remembered: the next invocation tries again.
  shared ??= createScorer().catch((e: unknown) => {
    shared = undefined;
    throw e;
  });
  return shared;
}
