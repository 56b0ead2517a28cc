import { hash } from 'node:crypto';
import type { RowBatch } from '../convert/row-batch.js';

export interface ModelIdentity {
  name: string;
  version: string;
  sha256: string;
}

/**
 * `modelfn:{model}:{version}:{sha256(model.onnx)[0..12]}:{sha256(row)}`. The row hash is over the converted
 * float32 tensor bytes, so the same digit sent as PNG, JSON or a v2 tensor shares one entry; the model hash
 * keeps a retrained model that reuses a version number from ever reading the old model's answers.
 */
export function keyPrefix(model: ModelIdentity): string {
  return `modelfn:${model.name}:${model.version}:${model.sha256.slice(0, 12)}:`;
}

export function rowKeys(model: ModelIdentity, batch: RowBatch): string[] {
  const prefix = keyPrefix(model);
  const bytes = new Uint8Array(batch.data.buffer, batch.data.byteOffset, batch.data.byteLength);
  const rowBytes = batch.features * 4;
  const keys: string[] = new Array(batch.rows);
  for (let r = 0; r < batch.rows; r++) {
    // One-shot hash: no Hash object per row (a quarter cheaper for a 3 KB row).
    keys[r] = prefix + hash('sha256', bytes.subarray(r * rowBytes, (r + 1) * rowBytes), 'hex');
  }
  return keys;
}
