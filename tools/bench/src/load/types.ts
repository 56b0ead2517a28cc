import type { BodySpec } from '../bodies.js';

/** One measured load: a fixed number of connections for a fixed time against one URL. */
export interface LoadSpec {
  /** Full URL, e.g. http://127.0.0.1:7071/score */
  url: string;
  connections: number;
  durationS: number;
  body: BodySpec;
  headers?: Record<string, string>;
}

export interface LoadResult {
  requests: number;
  durationS: number;
  /** Completed requests per second (any status; see errors). */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Non-2xx answers plus socket errors and timeouts: any of them makes the row suspect. */
  errors: number;
}

export type LoadDriverName = 'wrk' | 'autocannon';

export interface LoadDriver {
  readonly name: LoadDriverName;
  /** How the driver is run, for the report (threads, process). */
  readonly description: string;
  run(spec: LoadSpec): Promise<LoadResult>;
}
