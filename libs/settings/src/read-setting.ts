import { SettingError } from './setting-error.js';

/** Environment variables, or any map of app settings by name. */
export type Env = Record<string, string | undefined>;

/** Unset and empty are the same: an app setting cleared in the portal is an empty string. */
function raw(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}

export interface IntBounds {
  min?: number;
  max?: number;
}

function bounds({ min, max }: IntBounds): string {
  if (min !== undefined && max !== undefined) return `from ${min} to ${max}`;
  if (min !== undefined) return `>= ${min}`;
  if (max !== undefined) return `<= ${max}`;
  return '';
}

function inBounds(n: number, { min, max }: IntBounds): boolean {
  return (min === undefined || n >= min) && (max === undefined || n <= max);
}

/**
 * An integer value given in code (an option) for a setting, checked like the environment's: an option that
 * bypasses the setting must not bypass its validation.
 */
export function checkInt(value: number, name: string, range: IntBounds = {}): number {
  if (!Number.isInteger(value) || !inBounds(value, range))
    throw new SettingError(
      name,
      `option for ${name} is ${value}; it must be an integer ${bounds(range)}`.trim(),
    );
  return value;
}

/** An integer setting; unset gives `fallback`. */
export function intSetting(env: Env, name: string, fallback: number, range: IntBounds = {}): number {
  const v = raw(env, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || !inBounds(n, range))
    throw new SettingError(name, `setting ${name}=${v} must be an integer ${bounds(range)}`.trim());
  return n;
}

/** A finite number >= min (default 0); unset gives `fallback`. */
export function numberSetting(env: Env, name: string, fallback: number, min = 0): number {
  const v = raw(env, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min)
    throw new SettingError(name, `setting ${name}=${v} must be a number >= ${min}`);
  return n;
}

/** A TCP port, 0 meaning any free one; unset gives `fallback`. */
export function portSetting(env: Env, name: string, fallback: number): number {
  const v = raw(env, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new SettingError(name, `setting ${name}=${v} must be a port number (0-65535; 0 picks a free port)`);
  return n;
}

/** One of `allowed`; unset gives `fallback`. */
export function enumSetting<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const v = raw(env, name);
  if (v === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(v))
    throw new SettingError(name, `setting ${name}=${v} must be one of ${allowed.join(', ')}`);
  return v as T;
}

/** `true` or `false` (case-insensitive); unset gives `fallback`. */
export function flagSetting(env: Env, name: string, fallback = false): boolean {
  const v = raw(env, name);
  if (v === undefined) return fallback;
  const lower = v.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  throw new SettingError(name, `setting ${name}=${v} must be true or false`);
}

/** A text setting; unset or empty gives `fallback`. */
export function textSetting(env: Env, name: string): string | undefined;
export function textSetting(env: Env, name: string, fallback: string): string;
export function textSetting(env: Env, name: string, fallback?: string): string | undefined {
  return raw(env, name) ?? fallback;
}
