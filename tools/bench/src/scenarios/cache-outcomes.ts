/**
 * Counts of x-cache outcomes served so far, from our /metrics: the HTTP items of the invocation series
 * (`modelfn_invocation_items_total{trigger="http"}`, one per answered request, by the x-cache it was sent).
 */
export type CacheCounts = Record<string, number>;

const LINE = /^modelfn_invocation_items_total\{([^}]*)\}\s+([0-9.eE+-]+)$/;

export function parseCacheCounts(metricsText: string): CacheCounts {
  const counts: CacheCounts = {};
  for (const line of metricsText.split('\n')) {
    const m = LINE.exec(line.trim());
    if (!m) continue;
    if (!/(?:^|,)trigger="http"/.test(m[1])) continue;
    const cache = /(?:^|,)cache="([^"]*)"/.exec(m[1])?.[1];
    // "none": an answer without an x-cache header (a model that reported no cache outcome).
    if (cache === undefined || cache === 'none') continue;
    counts[cache] = (counts[cache] ?? 0) + Number(m[2]);
  }
  return counts;
}

export async function fetchCacheCounts(metricsUrl: string): Promise<CacheCounts> {
  const res = await fetch(metricsUrl);
  return parseCacheCounts(await res.text());
}

/** "x-cache: 100 % hit" or "x-cache: 97 % miss, 3 % hit" for the requests between two snapshots. */
export function describeOutcomes(before: CacheCounts, after: CacheCounts): string {
  const delta = Object.keys(after)
    .map((k) => [k, after[k] - (before[k] ?? 0)] as const)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1]);
  const total = delta.reduce((s, [, n]) => s + n, 0);
  if (total === 0) return 'x-cache: no scoring responses counted';
  const pct = (n: number) => {
    const p = (100 * n) / total;
    return p > 99.5 && p < 100 ? '>99.5' : p < 0.5 ? '<0.5' : String(Math.round(p));
  };
  return `x-cache: ${delta.map(([k, n]) => `${pct(n)} % ${k}`).join(', ')}`;
}
