import type { ResultCache } from '../cache/index.js';
import { ScoringError } from '../errors.js';
import { describeDims, fitsDims } from '../model/io-spec.js';
import type { ModelVersion } from '../model/model-version.js';
import type { CachedInference } from '../pipeline/cached-inference.js';
import type { Tensor } from '../tensor/tensor.js';
import { CacheOutcome } from './cache-outcome.js';
import { logFor } from './entry-log.js';
import type { EntryContext, EntryLog, EntrySession } from './types.js';

export interface ContextDeps {
  cached: CachedInference;
  /** Where `context.cache` keeps the script's results. */
  results: ResultCache;
}

const logs = new WeakMap<ModelVersion, EntryLog>();

function orderedInputs(session: ModelVersion, name: string, given: Record<string, Tensor>): Tensor[] {
  for (const key of Object.keys(given)) {
    if (!session.inputs.some((s) => s.name === key)) {
      throw new Error(
        `infer("${name}"): unknown input "${key}"; the session's inputs are ${session.inputs.map((s) => s.name).join(', ')}`,
      );
    }
  }
  return session.inputs.map((spec) => {
    const t = given[spec.name];
    if (!t) throw new Error(`infer("${name}"): input "${spec.name}" is missing`);
    const row = session.batched ? t.shape.slice(1) : t.shape;
    if (t.datatype !== spec.datatype || !fitsDims(row, spec.dims)) {
      throw new Error(
        `infer("${name}"): input "${spec.name}" must be ${spec.datatype} ${describeDims(spec.dims, session.batched)}; got ${t.datatype} [${t.shape}]`,
      );
    }
    return { ...t, name: spec.name };
  });
}

/** What a script is told about its version: the model's names and folders, and its sessions' signatures. */
export function entryModelInfo(version: ModelVersion): Pick<EntryContext, 'model' | 'sessions'> {
  const entry = version.entry!;
  return {
    model: {
      name: version.name,
      version: version.version,
      dir: entry.dir,
      versionDir: entry.versionDir,
      config: version.config as unknown as Record<string, unknown>,
    },
    sessions: Object.fromEntries(
      Object.entries(entry.sessions).map(([name, s]): [string, EntrySession] => [
        name,
        { name, batched: s.batched, inputs: s.inputs, outputs: s.outputs },
      ]),
    ),
  };
}

/**
 * The context an entry script gets: for `init` once, and a fresh one per `run` that records the cache
 * outcome of that run's lookups. Sessions run through the host's cache-aside and batching.
 */
export function entryContext(
  version: ModelVersion,
  deps: ContextDeps,
  run: { outcome?: CacheOutcome; bypassCache?: boolean } = {},
): EntryContext {
  const entry = version.entry!;
  let log = logs.get(version);
  if (!log) logs.set(version, (log = logFor(version.name)));
  return {
    ...entryModelInfo(version),
    log,
    async infer(name, inputs) {
      const session = entry.sessions[name];
      if (!session) {
        throw new Error(
          `infer: no session "${name}"; this version has ${Object.keys(entry.sessions).join(', ') || 'none'}`,
        );
      }
      const tensors = orderedInputs(session, name, inputs);
      const rows = session.batched ? tensors[0].shape[0] : 1;
      if (rows === 0) throw new ScoringError('INVALID_SHAPE', `infer("${name}"): no rows`);
      const result = await deps.cached.infer({ model: session, inputs: tensors, rows }, run);
      // A session configured with "cache": false was never looked up: it says nothing of the outcome.
      if (session.config.cache !== false) run.outcome?.add(result.cache);
      return Object.fromEntries(result.outputs.map((t) => [t.name, t]));
    },
    cache: {
      async get<T>(key: string): Promise<T | undefined> {
        if (run.bypassCache) return undefined;
        return deps.results.get<T>(version, key, run.outcome);
      },
      async set(key: string, value: unknown): Promise<void> {
        if (run.bypassCache) return;
        await deps.results.set(version, key, value);
      },
    },
  };
}
