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

export function runTimeoutMs(config: Pick<ModelConfig, 'timeout_ms'>): number {
  return config.timeout_ms ?? DEFAULT_TIMEOUT_MS;
}

export function initTimeoutMs(config: Pick<ModelConfig, 'init_timeout_ms'>): number {
  return config.init_timeout_ms ?? DEFAULT_INIT_TIMEOUT_MS;
}

/**
 * What a request past its model's `timeout_ms` fails with: 504, transient; each trigger says what that
 * means for it (HTTP answers it, a message gets an error reply, a blob is retried).
 */
export function timeoutError(model: string, ms: number): ScoringError {
  return new ScoringError(
    'TIMEOUT',
    `model "${model}" did not answer within ${ms} ms (config.json "timeout_ms"); ` +
      'retry later, or raise timeout_ms if the model is only slow',
  );
}
