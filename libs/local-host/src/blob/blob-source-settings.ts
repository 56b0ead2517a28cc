import { BlobSourceError } from './blob-source-error.js';

/** An option, else its environment variable, else the default; anything but an integer >= min is refused. */
export function setting(explicit: number | undefined, env: string, fallback: number, min: number): number {
  if (explicit !== undefined) {
    if (!Number.isInteger(explicit) || explicit < min) {
      throw new BlobSourceError(
        'INVALID_SETTING',
        `blob source option for ${env} is ${explicit}; it must be an integer >= ${min}`,
      );
    }
    return explicit;
  }
  const raw = process.env[env];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min)
    throw new BlobSourceError('INVALID_SETTING', `${env}=${raw} must be an integer >= ${min}`);
  return n;
}

/** Host ids are lowercase letters, digits and dashes, at most 32 characters. */
export function hostIdOf(explicit: string | undefined): string {
  const raw = explicit ?? process.env.AzureFunctionsWebHost__hostid ?? 'modelfn-local';
  return (
    raw
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '-')
      .slice(0, 32) || 'modelfn-local'
  );
}
