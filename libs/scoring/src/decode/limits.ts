import { ScoringError } from '../errors.js';

export interface InputLimits {
  maxRequestBytes: number;
  maxImagePixels: number;
  maxBatchRows: number;
  /** See ImageLimits in image.ts; the defaults apply when absent. */
  maxImageSide?: number;
  imageDecodeMemoryBytes?: number;
  imageDecodeQueue?: number;
}

export function checkRowCount(rows: number, limits: Pick<InputLimits, 'maxBatchRows'>): void {
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
