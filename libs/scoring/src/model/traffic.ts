import { ScoringError } from '../errors.js';
import type { ModelVersion } from './model-version.js';

/** config.json `traffic`: version → weight, e.g. `{"1": 90, "2": 10}` (weights need not sum to 100). */
export type TrafficWeights = Record<string, number>;

/**
 * A model's traffic split as the repository keeps it: every version config.json names, ascending, with its
 * weight (0 included, for display). Frozen and never changed in place: a config reload swaps the whole table,
 * so a request reads one table or the other, never half of each.
 */
export type TrafficTable = readonly Readonly<{ version: string; weight: number }>[];

/** Uniform in [0, 1): `Math.random`, or a seeded source a test injects (RepositoryOptions.random). */
export type RandomSource = () => number;

const VERSION = /^[1-9][0-9]*$/;

function trafficError(model: string, why: string): never {
  throw new ScoringError(
    'INVALID_MODEL',
    `model "${model}": config.json traffic ${why}; e.g. "traffic": {"1": 90, "2": 10} sends 90 % of the requests that name no version to version 1 and 10 % to version 2`,
  );
}

/**
 * Checks config.json `traffic` as written: an object of version numbers to finite weights >= 0, at least
 * one of them > 0 (a table that sends nothing anywhere is a mistake, not a way to refuse requests).
 */
export function checkTraffic(model: string, raw: unknown): void {
  if (raw === undefined) return;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    trafficError(model, 'must be an object of version numbers to weights');
  const entries = Object.entries(raw);
  for (const [version, weight] of entries) {
    if (!VERSION.test(version))
      trafficError(
        model,
        `key "${version.slice(0, 40)}" is not a version number (a version folder's name: "1", "2", ...)`,
      );
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0)
      trafficError(
        model,
        `weight of version ${version} must be a number >= 0, got ${JSON.stringify(weight)?.slice(0, 40)}`,
      );
  }
  if (!entries.some(([, weight]) => (weight as number) > 0))
    trafficError(
      model,
      'gives no version a weight above 0, so a request naming no version could go nowhere (remove "traffic" to serve the newest version)',
    );
}

/** The repository's table for config.json's (checked) `traffic`; undefined without one. */
export function trafficTable(weights: TrafficWeights | undefined): TrafficTable | undefined {
  if (!weights) return undefined;
  return Object.freeze(
    Object.entries(weights)
      .map(([version, weight]) => Object.freeze({ version, weight }))
      .sort((a, b) => Number(a.version) - Number(b.version)),
  );
}

interface Candidate {
  version: ModelVersion;
  weight: number;
}

/**
 * The versions a request naming none may go to now, with their weights: those with a weight above 0 that
 * are served and READY; when none is READY yet, those still LOADING (the request waits for its version, as
 * any request for a loading version). A version the table names that is not served, or UNAVAILABLE, is
 * skipped: its weight is shared by the others in proportion to theirs.
 */
function candidates(versions: readonly ModelVersion[], table: TrafficTable): Candidate[] {
  const served: Candidate[] = [];
  for (const { version, weight } of table) {
    if (weight <= 0) continue;
    const v = versions.find((x) => x.version === version);
    if (v) served.push({ version: v, weight });
  }
  const ready = served.filter((c) => c.version.state === 'READY');
  return ready.length > 0 ? ready : served.filter((c) => c.version.state === 'LOADING');
}

/**
 * The version a request that names none is answered by: one draw of `random` in [0, 1) over the candidates'
 * weights, normalised (see candidates). Throws MODEL_NOT_READY, naming each weighted version and why, when
 * none can answer; a version with weight 0 is never chosen, whatever happens to the others.
 */
export function chooseVersion(
  model: string,
  versions: readonly ModelVersion[],
  table: TrafficTable,
  random: RandomSource,
): ModelVersion {
  const pool = candidates(versions, table);
  if (pool.length === 0) throw noVersion(model, versions, table);
  const total = pool.reduce((sum, c) => sum + c.weight, 0);
  let left = random() * total;
  for (const c of pool) {
    left -= c.weight;
    if (left < 0) return c.version;
  }
  // random() may return a value that rounds to the total; the last candidate owns that end.
  return pool[pool.length - 1].version;
}

/**
 * The version most requests naming none go to now (the largest weight among the candidates, the newer on a
 * tie): what metadata and limits describe when a request names no version. Undefined when none can answer.
 */
export function heaviestVersion(
  versions: readonly ModelVersion[],
  table: TrafficTable,
): ModelVersion | undefined {
  let best: Candidate | undefined;
  for (const c of candidates(versions, table)) if (!best || c.weight >= best.weight) best = c;
  return best?.version;
}

/**
 * Each served version's share, in percent, of the requests naming no version as they would be split now
 * (a version not READY has none while another is); for the repository index and the playground.
 */
export function trafficShares(
  versions: readonly ModelVersion[],
  table: TrafficTable,
): Record<string, number> {
  const pool = candidates(versions, table);
  const total = pool.reduce((sum, c) => sum + c.weight, 0);
  const shares: Record<string, number> = {};
  for (const v of versions) {
    const c = pool.find((x) => x.version === v);
    shares[v.version] = c ? Math.round((c.weight / total) * 10_000) / 100 : 0;
  }
  return shares;
}

/** What to tell an operator about a table at scan time: the versions it names that are not served. */
export function unservedTrafficVersions(versions: readonly ModelVersion[], table: TrafficTable): string[] {
  return table
    .filter((e) => e.weight > 0 && !versions.some((v) => v.version === e.version))
    .map((e) => e.version);
}

function noVersion(model: string, versions: readonly ModelVersion[], table: TrafficTable): ScoringError {
  const why = table
    .filter((e) => e.weight > 0)
    .map((e) => {
      const v = versions.find((x) => x.version === e.version);
      if (!v)
        return `version ${e.version} is not served (not in the repository, or left out by version_policy)`;
      return `version ${e.version} is ${v.state}${v.reason ? `: ${v.reason}` : ''}`;
    });
  const explicit = versions.find((v) => v.state === 'READY');
  return new ScoringError(
    'MODEL_NOT_READY',
    `model "${model}": no version that config.json traffic sends requests to can answer (${why.join('; ')})${
      explicit ? `; name a version to reach another, e.g. "${model}:${explicit.version}"` : ''
    }`,
  );
}
