import type { LoadResult } from '../load/types.js';
import type { Against, Measured } from '../results.js';

/** A table row from one load result; errors (non-2xx, socket errors, timeouts) go into the notes. */
export function loadRow(
  id: string,
  scenario: string,
  server: string,
  r: LoadResult,
  extra: { unit?: string; rowsPerRequest?: number; note?: string; against?: Against[] } = {},
): Measured {
  const rows = extra.rowsPerRequest ?? 1;
  const notes = [extra.note, r.errors > 0 ? `${r.errors} errors of ${r.requests} requests` : undefined];
  if (rows > 1) notes.unshift(`${Math.round(r.rps).toLocaleString('en-US')} req/s`);
  return {
    id,
    scenario,
    server,
    throughput: rows > 1 ? r.rps * rows : r.rps,
    unit: extra.unit ?? (rows > 1 ? 'rows/s' : 'req/s'),
    p50Ms: r.p50Ms,
    p99Ms: r.p99Ms,
    note: notes.filter((n) => n).join('; '),
    against: extra.against,
  };
}

/** A row for something that could not be measured, so the table says so instead of leaving it out. */
export function skippedRow(id: string, scenario: string, server: string, why: string): Measured {
  return { id, scenario, server, unit: '', note: `not measured: ${why}` };
}
