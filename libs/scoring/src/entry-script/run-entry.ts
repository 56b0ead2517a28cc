import { toScoringError } from '../errors.js';
import type { ModelVersion } from '../model/model-version.js';
import { CacheOutcome } from './cache-outcome.js';
import { entryContext, type ContextDeps } from './entry-context.js';
import { isEntryResponse, type AMLRequest, type EntryResult } from './types.js';

/** Calls the script's `init` once for a loaded version; a failure makes the version unavailable. */
export async function initEntry(version: ModelVersion, deps: ContextDeps): Promise<void> {
  try {
    await version.entry!.script.init?.(entryContext(version, deps));
  } catch (e) {
    version.state = 'UNAVAILABLE';
    version.reason = `init() of ${version.entry!.scriptPath} failed: ${(e as Error).message}`;
  }
}

/**
 * One request through the script's `run`. A ScoringError (or any error with one of its codes) keeps its
 * code and so its 4xx, error record or error reply; anything else is a transient failure.
 */
export async function runEntry(
  version: ModelVersion,
  request: AMLRequest,
  deps: ContextDeps,
  opts: { bypassCache?: boolean } = {},
): Promise<EntryResult> {
  const outcome = new CacheOutcome();
  let value: unknown;
  try {
    value = await version.entry!.script.run(request, entryContext(version, deps, { outcome, ...opts }));
  } catch (e) {
    throw toScoringError(e);
  }
  const model = { name: version.name, version: version.version };
  const cache = opts.bypassCache ? 'bypass' : outcome.status;
  if (isEntryResponse(value)) {
    return { kind: 'entry', model, body: value.body, status: value.status, headers: value.headers, cache };
  }
  return { kind: 'entry', model, body: value, status: 200, headers: {}, cache };
}
