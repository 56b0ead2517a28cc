import {
  classScores,
  detections,
  predictedLabels,
  predictions,
  type CacheStatus,
  type DetectedObject,
  type ErrorCode,
  type Prediction,
  type ScoringError,
} from '@modelfn/scoring';
import type { ScoreResult } from '../adapter/score-result.js';
import { imageFacts } from './image-answer.js';

type Label = ReturnType<typeof predictedLabels>[number];

/**
 * `predictions/{name}.json`. A classifier's blob gets `label` and `probabilities` (per row when the blob
 * holds several rows); a detector's gets `detections` (`[{label, score, box}]`, per row when several);
 * any other model's gets `outputs`, its outputs by name; a model with an entry script
 * gets `result`, what its `run` answered.
 */
export interface BlobPrediction {
  /** The trigger blob, `<container>/<name>`. */
  blob: string;
  model: string;
  version: string;
  label?: Label | Label[];
  probabilities?: number[] | number[][];
  detections?: DetectedObject[] | DetectedObject[][];
  outputs?: Prediction | Prediction[];
  /** An image answer (postprocessing.image): the blob written beside this record, and what it is. */
  image?: { blob: string; contentType: string; width: number; height: number; output: string; mode: string };
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

/** `imageBlob`: where the blob's image answer was written (`<container>/<name>.png`), when it has one. */
export function blobRecord(
  blob: string,
  scored: ScoreResult,
  elapsedMs: number,
  imageBlob?: string,
): BlobPrediction {
  const tail = { elapsedMs: Math.round(elapsedMs * 100) / 100 };
  if ('entry' in scored) {
    const { entry } = scored;
    const base = { blob, model: entry.model.name, version: entry.model.version };
    return { ...base, result: entry.body, cache: entry.cache, ...tail };
  }
  const result = scored.outputs;
  const one = <T>(rows: T[]): T | T[] => (result.rows === 1 ? rows[0] : rows);
  const base = { blob, model: result.model.name, version: result.model.version };
  const image = imageFacts(scored) as Omit<NonNullable<BlobPrediction['image']>, 'blob'> | undefined;
  if (image && imageBlob)
    return { ...base, image: { blob: imageBlob, ...image }, cache: result.cache, ...tail };
  // A selection asked for tensors by name, a classifier's and a detector's as well.
  if (result.model.detection && !result.selected)
    return { ...base, detections: one(detections(result)), cache: result.cache, ...tail };
  if (!result.model.classification || result.selected)
    return { ...base, outputs: one(predictions(result)), cache: result.cache, ...tail };
  const scores = classScores(result);
  return {
    ...base,
    label: one(predictedLabels(result)),
    ...(scores ? { probabilities: one(scores) } : {}),
    cache: result.cache,
    ...tail,
  };
}

export function blobErrorRecord(blob: string, error: ScoringError): BlobErrorRecord {
  return { blob, error: error.message, code: error.code, at: new Date().toISOString() };
}
