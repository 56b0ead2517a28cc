import { ScoringError } from '../errors.js';

/** Rows of one model input, contiguous and row-major: what every input format converts to. */
export interface RowBatch {
  data: Float32Array;
  rows: number;
  features: number;
}

export interface InputLimits {
  maxRequestBytes: number;
  maxImagePixels: number;
  maxBatchRows: number;
}

export function checkRowCount(rows: number, limits: InputLimits): void {
  if (rows === 0) throw new ScoringError('INVALID_SHAPE', 'the request holds no rows; send at least one');
  if (rows > limits.maxBatchRows) {
    throw new ScoringError(
      'TOO_MANY_ROWS',
      `the request holds ${rows} rows; at most ${limits.maxBatchRows} per request (MAX_BATCH_ROWS): split it`,
    );
  }
}

export function checkPayloadSize(bytes: number, limits: Pick<InputLimits, 'maxRequestBytes'>): void {
  if (bytes > limits.maxRequestBytes) {
    throw new ScoringError(
      'PAYLOAD_TOO_LARGE',
      `the request body is ${bytes} bytes; the limit is ${limits.maxRequestBytes} (MAX_REQUEST_BYTES)`,
    );
  }
}

/** NaN and ±Infinity are refused: models give meaningless output for them and cache keys would differ by bit pattern. */
export function checkFinite(data: Float32Array, features: number): void {
  // x * 0 is 0 for every finite x and NaN for NaN and ±Infinity: one pass of multiply-adds, no branches,
  // and the slow search for the culprit only when there is one.
  let probe = 0;
  for (let i = 0; i < data.length; i++) probe += data[i] * 0;
  if (probe === 0) return;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new ScoringError(
        'NON_FINITE_VALUE',
        `row ${Math.floor(i / features)} value ${i % features} is ${data[i]}; only finite numbers are accepted`,
      );
    }
  }
}

/** One row's view (no copy). */
export function rowView(batch: RowBatch, row: number): Float32Array {
  return batch.data.subarray(row * batch.features, (row + 1) * batch.features);
}

/** Several requests' rows as one batch (one inference for a batch of messages); all must share `features`. */
export function concatRows(batches: RowBatch[]): RowBatch {
  const features = batches[0].features;
  const rows = batches.reduce((n, b) => n + b.rows, 0);
  const data = new Float32Array(rows * features);
  let off = 0;
  for (const b of batches) {
    data.set(b.data.subarray(0, b.rows * features), off);
    off += b.rows * features;
  }
  return { data, rows, features };
}
