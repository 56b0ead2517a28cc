import type { Comparison, Measured } from './results.js';

export interface ComparisonResult {
  comparison: Comparison;
  /** The ratio to the baseline, or the value itself for an absolute target; undefined when not measured. */
  ratio: number | undefined;
  /** undefined when there is no ratio or the comparison has no target. */
  met: boolean | undefined;
}

/** a / b, or undefined unless both are finite and b > 0. */
export function ratio(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b <= 0)
    return undefined;
  return a / b;
}

function value(m: Measured | undefined, measure: Comparison['measure']): number | undefined {
  if (!m) return undefined;
  return measure === 'throughput' ? m.throughput : m.p99Ms;
}

/** Each comparison evaluated on figures of the same run. */
export function compare(rows: Measured[], comparisons: Comparison[]): ComparisonResult[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  return comparisons.map((comparison) => {
    const own = value(byId.get(comparison.id), comparison.measure);
    const r =
      comparison.baseline === undefined
        ? own
        : ratio(own, value(byId.get(comparison.baseline), comparison.measure));
    let met: boolean | undefined;
    if (r !== undefined && comparison.atLeast !== undefined) met = r >= comparison.atLeast;
    if (r !== undefined && comparison.atMost !== undefined) met = r <= comparison.atMost;
    return { comparison, ratio: r, met };
  });
}
