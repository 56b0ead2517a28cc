import { warmupBodies, type BodyFormat, type BodySpec } from '../bodies.js';
import type { LoadDriver, LoadResult } from '../load/types.js';

export interface HttpBench {
  driver: LoadDriver;
  durationS: number;
  /** A short unmeasured run before each measured one (JIT, connection pools, gunicorn workers). */
  warmupS: number;
  tails: string[];
  nextSalt(): number;
  log(line: string): void;
}

export interface HttpLoad {
  url: string;
  connections: number;
  format: BodyFormat;
  rowsPerRequest: number;
  mode: 'hit' | 'miss';
  headers?: Record<string, string>;
}

/** Distinct bodies a hit row cycles over: enough to exercise the cache, few enough to warm in a moment. */
export const HIT_BODIES = 100;

async function post(url: string, body: string, headers: Record<string, string>): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`POST ${url} answered ${res.status} while warming up`);
}

/**
 * One measured row: for a hit row, every body is sent once first (so the measured run only hits); then a
 * short warm-up run and the measured run, each with fresh salt on a miss row so neither sees the other's keys.
 */
export async function measureHttp(
  b: HttpBench,
  load: HttpLoad,
  beforeMeasured?: () => Promise<void>,
): Promise<LoadResult> {
  const spec = (): BodySpec => ({
    format: load.format,
    rowsPerRequest: load.rowsPerRequest,
    mode: load.mode,
    distinct: HIT_BODIES,
    salt: b.nextSalt(),
    tails: b.tails,
  });
  const measured = spec();
  const headers = load.headers ?? {};
  for (const body of warmupBodies(measured)) await post(load.url, body, headers);
  if (b.warmupS > 0) {
    const warm = load.mode === 'hit' ? measured : spec();
    await b.driver.run({
      url: load.url,
      connections: load.connections,
      durationS: b.warmupS,
      body: warm,
      headers,
    });
  }
  await beforeMeasured?.();
  return b.driver.run({
    url: load.url,
    connections: load.connections,
    durationS: b.durationS,
    body: measured,
    headers,
  });
}
