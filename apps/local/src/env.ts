export type Env = Record<string, string | undefined>;

/** A TCP port from the environment, with the setting's name in the error when it is not one. */
export function portSetting(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new Error(`setting ${name}=${raw} must be a port number (0-65535)`);
  return n;
}
