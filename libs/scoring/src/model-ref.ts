import { ScoringError } from './errors.js';

export interface ModelRef {
  model?: string;
  version?: string;
}

/**
 * `name[:version]` as every trigger carries it (the `x-model` header, blob metadata `model`, the Service
 * Bus application property `model`). Empty or absent means the default model; a version, when the colon
 * is there, must be a positive integer.
 */
export function parseModelRef(value: unknown, where: string): ModelRef {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'string') {
    throw new ScoringError('INVALID_INPUT', `${where} must be a string "name" or "name:version"`);
  }
  if (value.trim() === '') return {};
  const m = /^\s*([A-Za-z0-9_.-]+)(?::([1-9][0-9]*))?\s*$/.exec(value);
  if (!m) {
    throw new ScoringError(
      'INVALID_INPUT',
      `${where} "${value.slice(0, 100)}" must be "name" or "name:version" with a positive version, e.g. "mnist:1"`,
    );
  }
  return { model: m[1], ...(m[2] ? { version: m[2] } : {}) };
}
