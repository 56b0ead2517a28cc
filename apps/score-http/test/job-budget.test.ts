// A job's time: its model's job_timeout_ms within the HTTP app's functionTimeout (host.json) less the time
// to write its answer; a config.json whose job_timeout_ms does not fit is said at start-up.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_JOB_TIMEOUT_MS, type Scorer } from '@modelfn/scoring';
import { afterAll, describe, expect, it } from 'vitest';
import { hostJsonPath } from '../src/functions.js';
import {
  ANSWER_MARGIN_MS,
  DEFAULT_FUNCTION_TIMEOUT_MS,
  functionTimeoutMs,
  jobBudget,
  jobTimeoutWarnings,
} from '../src/jobs/job-budget.js';

const dir = mkdtempSync(join(tmpdir(), 'job-budget-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function hostJson(json: object): string {
  const path = join(dir, `${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(json));
  return path;
}

/** A repository of model versions with these config.json fields (the warnings read nothing else). */
function scorerWith(configs: Record<string, object>): Scorer {
  const repository = {
    names: () => Object.keys(configs),
    versions: (name: string) => [{ version: '1', config: configs[name] }],
  };
  return { repository } as unknown as Scorer;
}

describe('a job within functionTimeout', () => {
  it("leaves the default job_timeout_ms room under this app's functionTimeout", () => {
    const fn = functionTimeoutMs(hostJsonPath)!;
    expect(fn).toBe(30 * 60_000);
    expect(jobBudget(fn).maxMs).toBeGreaterThanOrEqual(DEFAULT_JOB_TIMEOUT_MS);
  });

  it('reads functionTimeout as the Functions host does: a time span, unset 30 min, "-1" unbounded', () => {
    expect(functionTimeoutMs(hostJson({ functionTimeout: '00:05:00' }))).toBe(300_000);
    expect(functionTimeoutMs(hostJson({}))).toBe(DEFAULT_FUNCTION_TIMEOUT_MS);
    expect(functionTimeoutMs(hostJson({ functionTimeout: '-1' }))).toBeUndefined();
    expect(() => functionTimeoutMs(hostJson({ functionTimeout: 300 }))).toThrow(/hh:mm:ss/);
  });

  it('caps every job at functionTimeout less the time to write its answer; unbounded, not at all', () => {
    expect(jobBudget(300_000)).toEqual({ maxMs: 300_000 - ANSWER_MARGIN_MS });
    expect(jobBudget(undefined)).toEqual({});
  });

  it('names each model version whose job_timeout_ms does not fit, and what to change', () => {
    const scorer = scorerWith({
      fits: {},
      long: { job_timeout_ms: 3_600_000 },
      'long-direct': { timeout_ms: 2_000_000 },
    });
    const warnings = jobTimeoutWarnings(scorer, 30 * 60_000);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/model "long" version 1: its job_timeout_ms \(3600000 ms\)/);
    expect(warnings[0]).toMatch(/cut at 1770000 ms.*Lower job_timeout_ms.*or raise functionTimeout/);
    expect(warnings[1]).toMatch(/model "long-direct"/);
    expect(jobTimeoutWarnings(scorer, undefined)).toEqual([]);
    // The default (10 min) against a 5-minute functionTimeout: every model is said.
    expect(jobTimeoutWarnings(scorerWith({ m: {} }), 300_000)).toHaveLength(1);
  });
});
