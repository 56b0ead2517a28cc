import { labelsOf, probabilityRows, type ErrorCode, type Scored, type ScoringError } from '@modelfn/scoring';

type Label = ReturnType<typeof labelsOf>[number];

/** `predictions/{name}.json`. A blob holding several rows (JSON or float32) gets a label and probabilities per row. */
export interface BlobPrediction {
  /** The trigger blob, `<container>/<name>`. */
  blob: string;
  model: string;
  version: string;
  label: Label | Label[];
  probabilities: number[] | number[][];
  cache: Scored['cache'];
  elapsedMs: number;
}

/** `predictions/{name}.error.json`: the blob can never be scored as it is, so it is not retried. */
export interface BlobErrorRecord {
  blob: string;
  error: string;
  code: ErrorCode;
  at: string;
}

export function predictionRecord(blob: string, scored: Scored, elapsedMs: number): BlobPrediction {
  const labels = labelsOf(scored, scored.model.config.labels);
  const rows = probabilityRows(scored);
  return {
    blob,
    model: scored.model.name,
    version: scored.model.version,
    label: scored.rows === 1 ? labels[0] : labels,
    probabilities: scored.rows === 1 ? rows[0] : rows,
    cache: scored.cache,
    elapsedMs: Math.round(elapsedMs * 100) / 100,
  };
}

export function errorRecord(blob: string, error: ScoringError): BlobErrorRecord {
  return { blob, error: error.message, code: error.code, at: new Date().toISOString() };
}
