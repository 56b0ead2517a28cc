import { formatFactor, formatMs, formatPercent, formatThroughput, markdownTable } from './format.js';
import { ratio } from './ratios.js';
import type { Measured } from './results.js';

export const TABLE_HEADER = [
  'Scenario',
  'Server',
  'Throughput',
  'p50 ms',
  'p99 ms',
  'Compared (same run)',
  'Notes',
];

/** "4.31× peer, p99 0.28×; 63 % of bare Node": every comparison whose rows were both measured. */
export function comparedText(row: Measured, byId: Map<string, Measured>): string {
  const parts: string[] = [];
  for (const a of row.against ?? []) {
    const other = byId.get(a.id);
    const r = ratio(row.throughput, other?.throughput);
    if (r === undefined) continue;
    if (a.as === 'percent') {
      parts.push(`${formatPercent(r)} of ${a.label}`);
      continue;
    }
    const p99 = ratio(row.p99Ms, other?.p99Ms);
    parts.push(`${formatFactor(r)} ${a.label}${p99 === undefined ? '' : ` (p99 ${formatFactor(p99)})`}`);
  }
  return parts.join('; ');
}

export function renderTable(rows: Measured[]): string {
  const byId = new Map(rows.map((r) => [r.id, r]));
  return markdownTable(
    TABLE_HEADER,
    rows.map((r) => [
      r.scenario,
      r.server,
      formatThroughput(r.throughput, r.unit),
      formatMs(r.p50Ms),
      formatMs(r.p99Ms),
      comparedText(r, byId),
      r.note ?? '',
    ]),
  );
}
