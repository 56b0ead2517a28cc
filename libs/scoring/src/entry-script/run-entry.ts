import { toScoringError } from '../errors.js';
import type { ModelVersion } from '../model/model-version.js';
import { initTimeoutMs, requestBudget, timeoutError, type JobBudget } from '../model/timeouts.js';
import { amlRequest, type RequestParts } from './aml-request.js';
import { CacheOutcome } from './cache-outcome.js';
import { EntryGate, type EntryGateLimits } from './entry-gate.js';
import { entryContext, type ContextDeps } from './entry-context.js';
import { ScriptThreads } from './script-threads.js';
import { ATTR, bindInfer, modelAttributes, traced } from '../tracing.js';
import { isEntryResponse, type EntryCall, type EntryResult } from './types.js';
import { runDeadline, untilAborted } from './run-deadline.js';

export interface EntryDeps extends ContextDeps {
  /** Versions whose script runs in threads of its own (ENTRY_SCRIPT_THREADS > 0). */
  threads: Map<ModelVersion, ScriptThreads>;
  /** Each version's admission (see EntryGate), made on its first run. */
  gates: Map<ModelVersion, EntryGate>;
  gate: EntryGateLimits;
}

/**
 * Calls the script's `init` once for a loaded version — in each of `threads` threads that will run it, or
 * in this thread when 0. Throws why the version cannot serve when it fails or does not finish within
 * config.json's `init_timeout_ms` (the repository's loading makes the version unavailable with that
 * reason). A stuck init in a script thread is terminated with it; on the event-loop thread (0 threads) it
 * can only be left behind.
 */
export async function initEntry(version: ModelVersion, deps: EntryDeps, threads: number): Promise<void> {
  const ms = initTimeoutMs(version.config);
  try {
    if (threads > 0) {
      deps.threads.set(
        version,
        await ScriptThreads.start(version, threads, () => entryContext(version, deps), ms),
      );
    } else {
      const deadline = runDeadline(
        ms,
        () =>
          new Error(
            `did not finish within ${ms} ms (config.json "init_timeout_ms"). Make init() resolve, or raise init_timeout_ms if it is only slow`,
          ),
      );
      try {
        await Promise.race([
          version.entry!.script.init?.(entryContext(version, deps)),
          untilAborted(deadline.signal),
        ]);
      } finally {
        deadline.clear();
      }
    }
  } catch (e) {
    const message = (e as Error).message;
    throw new Error(
      message.startsWith('init() of') ? message : `init() of ${version.entry!.scriptPath} failed: ${message}`,
      { cause: e },
    );
  }
}

/**
 * One request through the script's `run`. A ScoringError (or any error with one of its codes) keeps its
 * code and so its 4xx, error record or error reply; anything else is a transient failure.
 */
export function runEntry(
  version: ModelVersion,
  parts: RequestParts,
  deps: EntryDeps,
  opts: { bypassCache?: boolean; job?: JobBudget } = {},
): Promise<EntryResult> {
  return traced('modelfn.entry.run', modelAttributes(version), async (span) => {
    const result = await runScript(version, parts, deps, opts);
    span.setAttribute(ATTR.cache, result.cache);
    return result;
  });
}

/**
 * The script's `respondAsync` for a request (false when it has none), asked where `run` would run it: in
 * its threads, through its admission and within its `timeout_ms`. What it throws is the request's failure.
 */
export async function entryRespondsAsync(
  version: ModelVersion,
  parts: RequestParts,
  deps: EntryDeps,
): Promise<boolean> {
  if (typeof version.entry?.script.respondAsync !== 'function') return false;
  const { body } = await runScript(version, parts, deps, { call: 'respondAsync' });
  return body === true;
}

async function runScript(
  version: ModelVersion,
  parts: RequestParts,
  deps: EntryDeps,
  opts: { bypassCache?: boolean; job?: JobBudget; call?: EntryCall },
): Promise<EntryResult> {
  const call = opts.call ?? 'run';
  const outcome = new CacheOutcome();
  // The run's infer and cache calls are served here, wherever the script runs, so the outcome is known here.
  const context = bindInfer(entryContext(version, deps, { outcome, ...opts }));
  const threads = deps.threads.get(version);
  let gate = deps.gates.get(version);
  if (!gate) deps.gates.set(version, (gate = new EntryGate(version.name, deps.gate)));
  let value: unknown;
  let response: { status: number; headers: Readonly<Record<string, string>> } | undefined;
  // The request's time with the script, its wait for admission included: past it the request fails
  // TIMEOUT, leaves the gate's queue, and a run in a script thread is stopped with its thread. A job's
  // is its job_timeout_ms.
  const { ms, setting } = requestBudget(version.config, opts.job);
  const deadline = runDeadline(ms, () => timeoutError(version.name, ms, setting));
  try {
    await gate.run(
      parts.body.length,
      async () => {
        if (threads) ({ value, response } = await threads.run(parts, context, deadline.signal, call));
        else if (call === 'respondAsync') {
          const script = version.entry!.script;
          const v = await Promise.race([
            script.respondAsync?.(amlRequest(parts), context),
            untilAborted(deadline.signal),
          ]);
          value = v === true;
        } else {
          // On the event-loop thread a stuck run cannot be stopped: the request stops waiting for it.
          const v = await Promise.race([
            version.entry!.script.run(amlRequest(parts), context),
            untilAborted(deadline.signal),
          ]);
          if (isEntryResponse(v)) {
            value = v.body;
            response = { status: v.status, headers: v.headers };
          } else value = v;
        }
      },
      deadline.signal,
      { timed: call === 'run' },
    );
  } catch (e) {
    throw toScoringError(e);
  } finally {
    deadline.clear();
  }
  const model = { name: version.name, version: version.version };
  const cache = opts.bypassCache ? 'bypass' : outcome.status;
  return {
    kind: 'entry',
    model,
    body: value,
    status: response?.status ?? 200,
    headers: response?.headers ?? {},
    cache,
  };
}
