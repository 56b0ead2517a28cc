import { readFileSync } from 'node:fs';

/** The Functions host's default when host.json sets no `extensions.http.routePrefix`. */
export const DEFAULT_ROUTE_PREFIX = 'api';

/**
 * The route prefix an app's host.json declares, so local URLs equal the deployed ones. A missing host.json
 * means the host default; an unreadable one is an error, since guessing would move every route.
 */
export function routePrefixFromHostJson(hostJsonPath: string): string {
  let text: string;
  try {
    text = readFileSync(hostJsonPath, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return DEFAULT_ROUTE_PREFIX;
    throw e;
  }
  let parsed: { extensions?: { http?: { routePrefix?: unknown } } };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch (e) {
    throw new Error(`${hostJsonPath} is not valid JSON: ${(e as Error).message}`);
  }
  const prefix = parsed.extensions?.http?.routePrefix;
  if (prefix === undefined) return DEFAULT_ROUTE_PREFIX;
  if (typeof prefix !== 'string')
    throw new Error(`${hostJsonPath}: extensions.http.routePrefix must be a string`);
  return prefix;
}
