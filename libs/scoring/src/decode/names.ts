import { ScoringError } from '../errors.js';

export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Refuses a tensor name the model does not have, listing the names it does. */
export function checkKnownName(
  kind: 'input' | 'output',
  name: string,
  specs: readonly { name: string }[],
): void {
  if (!specs.some((s) => s.name === name)) {
    throw new ScoringError(
      'INVALID_INPUT',
      `unknown ${kind} "${name}"; the model's ${kind}s are ${specs.map((s) => `"${s.name}"`).join(', ')}`,
    );
  }
}
