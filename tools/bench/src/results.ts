/** What the bench measured, row by row: the table and the report are rendered from these alone. */
export interface Measured {
  /** Stable id, e.g. `score-hit:ours`; used to compute ratios between rows of the same run. */
  id: string;
  /** What was measured, e.g. "/score cache-hit, 1 row, 32 conns". */
  scenario: string;
  /** Who served it, e.g. "ours", "peer (Flask + gunicorn -w 2)", "bare Node http". */
  server: string;
  throughput?: number;
  /** Unit of throughput, e.g. "req/s", "rows/s", "images/s", "ms". */
  unit: string;
  p50Ms?: number;
  p99Ms?: number;
  /** Free text for the notes column (errors seen, cache outcome, skipped because...). */
  note?: string;
  /** Rows of the same run to compare with, shown in the "compared" column. */
  against?: Against[];
}

export interface Against {
  id: string;
  /** How the other row is named in the column, e.g. "peer", "bare Node", "batching off". */
  label: string;
  /** `factor`: 4.3× (throughput and p99); `percent`: 62 % (throughput only). */
  as: 'factor' | 'percent';
}

/**
 * A DESIGN.md target: row `id` against row `baseline` (a ratio of the same run), or against an absolute
 * number when there is no baseline (blob images/s, cold start ms).
 */
export interface Comparison {
  id: string;
  baseline?: string;
  /** `throughput`: the throughput column; `p99`: the p99 column. */
  measure: 'throughput' | 'p99';
  /** Met when the ratio (or the value) is ≥ `atLeast`, or ≤ `atMost`. */
  atLeast?: number;
  atMost?: number;
  /** The unit of an absolute target's value, e.g. `MiB` (without one: ms for an upper bound). */
  unit?: string;
  /** The target as DESIGN.md words it. */
  label: string;
}
