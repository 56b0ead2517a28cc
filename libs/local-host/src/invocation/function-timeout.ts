import { DEFAULT_FUNCTION_TIMEOUT_MS, functionTimeoutFromHostJson } from '../host-json.js';

/**
 * A source's functionTimeout (ms; undefined: unbounded): its option, else its app's host.json, else the
 * Functions host's default, which applies to an app without a host.json too.
 */
export function functionTimeoutOf(opts: {
  functionTimeoutMs?: number;
  hostJsonPath?: string;
}): number | undefined {
  if (opts.functionTimeoutMs !== undefined) return opts.functionTimeoutMs;
  return opts.hostJsonPath ? functionTimeoutFromHostJson(opts.hostJsonPath) : DEFAULT_FUNCTION_TIMEOUT_MS;
}
