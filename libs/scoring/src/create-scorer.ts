import { createRowCache } from './cache/index.js';
import { loadEntryVersion } from './entry-script/load-entry-version.js';
import { ModelRepository } from './model/model-repository.js';
import { Scorer } from './scorer.js';
import { readSettings, type Settings } from './settings.js';

/** The scorer as every trigger starts it: settings from the environment, models loaded, cache connected. */
export async function createScorer(settings: Settings = readSettings()): Promise<Scorer> {
  const [repository, cache] = await Promise.all([
    ModelRepository.load({
      root: settings.modelRepository,
      defaultModel: settings.defaultModel,
      intraOpThreads: settings.ortIntraOpThreads,
      loadEntryVersion,
    }),
    createRowCache(settings),
  ]);
  const scorer = new Scorer(settings, repository, cache);
  try {
    await scorer.warmUp();
    await scorer.initEntryScripts();
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
