import {
  classScores,
  predictedLabels,
  predictions,
  type CacheStatus,
  type EntryResult,
  type ErrorCode,
  type InferenceResult,
  type Prediction,
  type ScoringError,
} from '@modelfn/scoring';

type Label = ReturnType<typeof predictedLabels>[number];

/**
 * `predictions/{name}.json`. A classifier's blob gets `label` and `probabilities` (per row when the blob
 * holds several rows); any other model's gets `outputs`, its outputs by name.
 */
export interface BlobPrediction {
  /** The trigger blob, `<container>/<name>`. */
  blob: string;
  model: string;
  version: string;
  label?: Label | Label[];
  probabilities?: number[] | number[][];
  outputs?: Prediction | Prediction[];
  /** What the model's entry script answered. */
  result?: unknown;
  cache: CacheStatus;
  elapsedMs: number;
}

/** `predictions/{name}.error.json`: the blob can never be scored as it is, so it is not retried. */
export interface BlobErrorRecord {
  blob: string;
  error: string;
  code: ErrorCode;
  at: string;
}

export function predictionRecord(blob: string, result: InferenceResult, elapsedMs: number): BlobPrediction {
  const one = <T>(rows: T[]): T | T[] => (result.rows === 1 ? rows[0] : rows);
  const base = { blob, model: result.model.name, version: result.model.version };
  const tail = { cache: result.cache, elapsedMs: Math.round(elapsedMs * 100) / 100 };
  if (!result.model.classification) return { ...base, outputs: one(predictions(result)), ...tail };
  const scores = classScores(result);
  return {
    ...base,
    label: one(predictedLabels(result)),
    ...(scores ? { probabilities: one(scores) } : {}),
    ...tail,
  };
}

export function entryRecord(blob: string, answer: EntryResult, elapsedMs: number): BlobPrediction {
  return {
    blob,
    model: answer.model.name,
    version: answer.model.version,
    result: answer.body,
    cache: answer.cache,
    elapsedMs: Math.round(elapsedMs * 100) / 100,
  };
}

export function errorRecord(blob: string, error: ScoringError): BlobErrorRecord {
  return { blob, error: error.message, code: error.code, at: new Date().toISOString() };
}
