import { readFileSync } from 'node:fs';
import { timeSpanMs as parseTimeSpan } from '@modelfn/settings';

/** The Functions host's default when host.json sets no `extensions.http.routePrefix`. */
export const DEFAULT_ROUTE_PREFIX = 'api';

interface HostJson {
  functionTimeout?: unknown;
  extensions?: {
    http?: { routePrefix?: unknown };
    blobs?: { maxDegreeOfParallelism?: unknown; poisonBlobThreshold?: unknown };
    queues?: Record<string, unknown>;
    serviceBus?: Record<string, unknown>;
  };
}

/**
 * An app's host.json, parsed, or undefined when there is none (the host defaults apply). An unreadable one
 * is an error: guessing would move every route or change how many blobs run at once.
 */
function readHostJson(hostJsonPath: string): HostJson | undefined {
  let text: string;
  try {
    text = readFileSync(hostJsonPath, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    return JSON.parse(text) as HostJson;
  } catch (e) {
    throw new Error(`${hostJsonPath} is not valid JSON: ${(e as Error).message}`);
  }
}

/** The route prefix an app's host.json declares, so local URLs equal the deployed ones. */
export function routePrefixFromHostJson(hostJsonPath: string): string {
  const prefix = readHostJson(hostJsonPath)?.extensions?.http?.routePrefix;
  if (prefix === undefined) return DEFAULT_ROUTE_PREFIX;
  if (typeof prefix !== 'string')
    throw new Error(`${hostJsonPath}: extensions.http.routePrefix must be a string`);
  return prefix;
}

export interface HostJsonBlobSettings {
  maxDegreeOfParallelism?: number;
  poisonBlobThreshold?: number;
}

/** `extensions.blobs` of an app's host.json: what the Functions host's blob trigger reads there. */
export function blobSettingsFromHostJson(hostJsonPath: string): HostJsonBlobSettings {
  const blobs = readHostJson(hostJsonPath)?.extensions?.blobs ?? {};
  const out: HostJsonBlobSettings = {};
  for (const name of ['maxDegreeOfParallelism', 'poisonBlobThreshold'] as const) {
    const v = blobs[name];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
      throw new Error(`${hostJsonPath}: extensions.blobs.${name} must be an integer >= 1`);
    out[name] = v;
  }
  return out;
}

export interface HostJsonQueueSettings {
  batchSize?: number;
  newBatchThreshold?: number;
  maxDequeueCount?: number;
  /** `visibilityTimeout` (hh:mm:ss): how long a failed message stays invisible before its next try. */
  visibilityTimeoutMs?: number;
  /** `maxPollingInterval` (hh:mm:ss): the longest wait between polls of an empty queue. */
  maxPollingIntervalMs?: number;
  messageEncoding?: 'base64' | 'none';
}

/** A .NET TimeSpan as host.json writes one: "hh:mm:ss" (seconds may have a fraction), or "d.hh:mm:ss". */
function timeSpanMs(hostJsonPath: string, field: string, v: unknown): number {
  const ms = parseTimeSpan(v);
  if (ms === undefined)
    throw new Error(`${hostJsonPath}: ${field} must be a time span "hh:mm:ss" (or "d.hh:mm:ss")`);
  return ms;
}

/**
 * functionTimeout when host.json sets none: the Flex Consumption plan's default (30 min), the plan the apps
 * deploy to (the Consumption plan's would be 5 min; Premium and Dedicated also default to 30 min).
 */
export const DEFAULT_FUNCTION_TIMEOUT_MS = 30 * 60_000;

/**
 * The app's `functionTimeout`, as the Functions host reads it: a time span, its default when unset, or
 * unbounded (undefined) for "-1" (or null), which Flex Consumption, Premium and Dedicated plans allow.
 * Past it, an invocation fails with code TIMEOUT (see createInvoker).
 */
export function functionTimeoutFromHostJson(hostJsonPath: string): number | undefined {
  const json = readHostJson(hostJsonPath);
  if (json === undefined || !('functionTimeout' in json)) return DEFAULT_FUNCTION_TIMEOUT_MS;
  const v = json.functionTimeout;
  if (v === null || v === '-1' || v === -1) return undefined;
  const ms = timeSpanMs(hostJsonPath, 'functionTimeout', v);
  if (ms < 1000) throw new Error(`${hostJsonPath}: functionTimeout must be at least 00:00:01`);
  return ms;
}

/** `extensions.queues` of an app's host.json: what the Functions host's queue trigger reads there. */
export function queueSettingsFromHostJson(hostJsonPath: string): HostJsonQueueSettings {
  const queues = readHostJson(hostJsonPath)?.extensions?.queues ?? {};
  const out: HostJsonQueueSettings = {};
  for (const name of ['batchSize', 'newBatchThreshold', 'maxDequeueCount'] as const) {
    const v = queues[name];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < (name === 'newBatchThreshold' ? 0 : 1))
      throw new Error(`${hostJsonPath}: extensions.queues.${name} must be a positive integer`);
    out[name] = v;
  }
  if (queues.visibilityTimeout !== undefined)
    out.visibilityTimeoutMs = timeSpanMs(
      hostJsonPath,
      'extensions.queues.visibilityTimeout',
      queues.visibilityTimeout,
    );
  if (queues.maxPollingInterval !== undefined)
    out.maxPollingIntervalMs = timeSpanMs(
      hostJsonPath,
      'extensions.queues.maxPollingInterval',
      queues.maxPollingInterval,
    );
  const encoding = queues.messageEncoding;
  if (encoding !== undefined) {
    if (encoding !== 'base64' && encoding !== 'none')
      throw new Error(`${hostJsonPath}: extensions.queues.messageEncoding must be "base64" or "none"`);
    out.messageEncoding = encoding;
  }
  return out;
}

/** The Service Bus extension's default `maxAutoLockRenewalDuration` (5 min). */
export const DEFAULT_MAX_AUTO_LOCK_RENEWAL_MS = 5 * 60_000;

/**
 * `extensions.serviceBus.maxAutoLockRenewalDuration` of an app's host.json (hh:mm:ss), as the Functions host
 * reads it: how long a running invocation's message locks are renewed; its default when unset.
 */
export function maxAutoLockRenewalFromHostJson(hostJsonPath: string): number {
  const v = readHostJson(hostJsonPath)?.extensions?.serviceBus?.maxAutoLockRenewalDuration;
  if (v === undefined) return DEFAULT_MAX_AUTO_LOCK_RENEWAL_MS;
  return timeSpanMs(hostJsonPath, 'extensions.serviceBus.maxAutoLockRenewalDuration', v);
}
