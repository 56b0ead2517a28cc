/** How long and how much: the full run for docs/benchmarks.md, --quick for CI (checks it runs, not figures). */
export interface Plan {
  quick: boolean;
  /** Seconds per measured HTTP row. */
  durationS: number;
  /** Seconds of unmeasured load before each row. */
  warmupS: number;
  /** Connections of the /score rows (DESIGN.md: 32) and of the batching rows (64). */
  connections: number;
  batchingConnections: number;
  /** Request rows per request for the batch rows. */
  batchSizes: number[];
  blobImages: number;
  serviceBusMessages: number;
  coldStarts: number;
}

export function plan(quick: boolean): Plan {
  return {
    quick,
    // --quick checks that every row runs: 1 s of load is thousands of requests, and a hit row's bodies are
    // sent once before it whatever the warm-up, so it skips the warm-up run.
    durationS: quick ? 1 : 10,
    warmupS: quick ? 0 : 2,
    connections: 32,
    batchingConnections: 64,
    batchSizes: [1, 8, 32],
    blobImages: quick ? 100 : 1000,
    serviceBusMessages: quick ? 1000 : 10_000,
    coldStarts: quick ? 1 : 9,
  };
}
