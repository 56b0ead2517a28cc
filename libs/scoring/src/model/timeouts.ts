import { ScoringError } from '../errors.js';
import type { ModelConfig } from './model-config.js';

/**
 * How long a request may take through a model when its config.json sets no `timeout_ms`: the entry script's
 * run (admission wait included) or the model's inference. Well under every app's functionTimeout (5 min on
 * HTTP, 30 min elsewhere), so a stuck model answers TIMEOUT and frees its script thread long before the
 * invocation itself is timed out.
 */
export const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * How long an entry script's `init` may take when config.json sets no `init_timeout_ms`. Under the 60 s the
 * local host gives its HTTP workers to load every model and listen, so one stuck `init` never stops the
 * host from starting: that version becomes UNAVAILABLE with the reason and the others serve.
 */
export const DEFAULT_INIT_TIMEOUT_MS = 30_000;

/**
 * How long a request run as a job (answered later at a status URL, HTTP 202) may take through a model when
 * its config.json sets no `job_timeout_ms`: long documents are what jobs are for (a scanned page takes
 * 0.5-1 s on 2 cores, and OCR_MAX_PAGES is 100). Under score-http's functionTimeout (30 min), which bounds
 * the job function that runs it.
 */
export const DEFAULT_JOB_TIMEOUT_MS = 600_000;

export function runTimeoutMs(config: Pick<ModelConfig, 'timeout_ms'>): number {
  return config.timeout_ms ?? DEFAULT_TIMEOUT_MS;
}

/** A job's bound: `job_timeout_ms`, else the default, or `timeout_ms` when that is longer (a job never gets less). */
export function jobTimeoutMs(config: Pick<ModelConfig, 'timeout_ms' | 'job_timeout_ms'>): number {
  return config.job_timeout_ms ?? Math.max(DEFAULT_JOB_TIMEOUT_MS, runTimeoutMs(config));
}

/**
 * How a request is bounded: a direct one by `timeout_ms`; one run as a job by `job_timeout_ms`, and by the
 * job's `maxMs` when that is less (its host's functionTimeout, less the time to write its answer, so a
 * TIMEOUT is answered before the host stops the invocation).
 */
export interface RequestBudget {
  ms: number;
  /** The config.json field the bound comes from, for the TIMEOUT's message. */
  setting: 'timeout_ms' | 'job_timeout_ms';
}

/** A request run as a job (ScoreOptions.job): `maxMs` caps the model's job_timeout_ms. */
export interface JobBudget {
  maxMs?: number;
}

export function requestBudget(
  config: Pick<ModelConfig, 'timeout_ms' | 'job_timeout_ms'>,
  job?: JobBudget,
): RequestBudget {
  if (!job) return { ms: runTimeoutMs(config), setting: 'timeout_ms' };
  const ms = jobTimeoutMs(config);
  return { ms: job.maxMs !== undefined ? Math.min(ms, job.maxMs) : ms, setting: 'job_timeout_ms' };
}

export function initTimeoutMs(config: Pick<ModelConfig, 'init_timeout_ms'>): number {
  return config.init_timeout_ms ?? DEFAULT_INIT_TIMEOUT_MS;
}

/**
 * What a request past its model's `timeout_ms` fails with: 504, transient; each trigger says what that
 * means for it (HTTP answers it, a message gets an error reply, a blob is retried).
 */
export function timeoutError(
  model: string,
  ms: number,
  setting: RequestBudget['setting'] = 'timeout_ms',
): ScoringError {
  const hint =
    setting === 'timeout_ms'
      ? 'retry later, or raise timeout_ms if the model is only slow (over HTTP, "Prefer: respond-async" ' +
        'runs the request as a job, bounded by job_timeout_ms)'
      : "retry later, or raise job_timeout_ms (below the app's functionTimeout) if the model is only slow";
  return new ScoringError(
    'TIMEOUT',
    `model "${model}" did not answer within ${ms} ms (config.json "${setting}"); ${hint}`,
  );
}
