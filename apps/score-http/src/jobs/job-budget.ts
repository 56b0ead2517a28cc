import { readFileSync } from 'node:fs';
import { jobTimeoutMs, type JobBudget, type Scorer } from '@modelfn/scoring';
import { timeSpanMs } from '@modelfn/settings';

/** functionTimeout when host.json sets none: the Flex Consumption plan's default. */
export const DEFAULT_FUNCTION_TIMEOUT_MS = 30 * 60_000;

/**
 * Kept from functionTimeout for a job to write its answer (a TIMEOUT's too) before the host stops the
 * invocation: a job stopped by the host would be retried, stopped again, and end in the poison queue with
 * its status URL saying "running".
 */
export const ANSWER_MARGIN_MS = 30_000;

/**
 * The app's functionTimeout (host.json, as the Functions host reads it) in ms; undefined when unbounded
 * ("-1" or null, allowed on Flex Consumption). The job function runs under it.
 */
export function functionTimeoutMs(hostJsonPath: string): number | undefined {
  const json = JSON.parse(readFileSync(hostJsonPath, 'utf8')) as { functionTimeout?: unknown };
  if (!('functionTimeout' in json)) return DEFAULT_FUNCTION_TIMEOUT_MS;
  const v = json.functionTimeout;
  if (v === null || v === '-1' || v === -1) return undefined;
  const ms = timeSpanMs(v);
  if (ms === undefined)
    throw new Error(`${hostJsonPath}: functionTimeout must be a time span "hh:mm:ss" (or "d.hh:mm:ss")`);
  return ms;
}

/** What bounds every job besides its model's job_timeout_ms: functionTimeout less the answer's margin. */
export function jobBudget(functionTimeout: number | undefined): JobBudget {
  return functionTimeout === undefined ? {} : { maxMs: Math.max(1, functionTimeout - ANSWER_MARGIN_MS) };
}

/**
 * One line per model version whose job_timeout_ms does not fit under the app's functionTimeout (less the
 * margin): its jobs are cut at the budget instead, which the operator should know at start-up rather than
 * from a job's TIMEOUT.
 */
export function jobTimeoutWarnings(scorer: Scorer, functionTimeout: number | undefined): string[] {
  const { maxMs } = jobBudget(functionTimeout);
  if (maxMs === undefined) return [];
  return scorer.repository.names().flatMap((name) =>
    scorer.repository
      .versions(name)
      .filter((v) => jobTimeoutMs(v.config) > maxMs)
      .map(
        (v) =>
          `model "${name}" version ${v.version}: its job_timeout_ms (${jobTimeoutMs(v.config)} ms) does not fit ` +
          `under the HTTP app's functionTimeout (${functionTimeout} ms, host.json) less ${ANSWER_MARGIN_MS} ms ` +
          `to write the answer: its jobs are cut at ${maxMs} ms. Lower job_timeout_ms in its config.json, ` +
          'or raise functionTimeout',
      ),
  );
}
