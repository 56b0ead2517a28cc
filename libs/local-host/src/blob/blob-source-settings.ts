import { checkInt, intSetting } from '@modelfn/settings';

/** An option given in code, else its environment variable, else the default; anything but an integer >= min is refused. */
export function setting(explicit: number | undefined, name: string, fallback: number, min: number): number {
  return explicit !== undefined
    ? checkInt(explicit, name, { min })
    : intSetting(process.env, name, fallback, { min });
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
