import { ctcGreedy, type Decoded } from './ctc.js';
import type { Mat } from './opencv.js';
import { REC_HEIGHT, paddedWidth, scaledWidth, writeRow } from './rec-input.js';
import { runSession, type OcrContext } from './session.js';

export interface RecOptions {
  maxWidth: number;
  widthStep: number;
  batch: number;
}

/**
 * Reads every crop of a page. Crops are grouped by padded width (their width at height 48 rounded up to a
 * multiple of rec_width_step), so lines of about the same length, most of a page of prose, share one
 * tensor, and the host's batcher can merge rows of concurrent requests that have the same shape. A row
 * is padded for its own crop, never for its neighbours (PaddleOCR pads a batch to its widest line), so
 * a crop always makes the same row and the per-row cache key is stable. Measured on the test pages:
 * steps of 32 px read as unpadded rows do; coarser buckets (160, 320, 480...) lost a character and cost
 * up to a third more compute. Calls carry at most rec_batch_num rows: on CPU, batching saves call
 * overhead, not compute, and large batches cost more per row (one ORT thread, width 960: 62 ms a row
 * alone, 81 in fours, 104 in sixteens).
 */
export async function recognize(
  ctx: OcrContext,
  crops: Mat[],
  table: string[],
  o: RecOptions,
): Promise<Decoded[]> {
  const widths = crops.map((crop) => scaledWidth(crop, o.maxWidth));
  const groups = new Map<number, number[]>();
  widths.forEach((w, i) => {
    const b = paddedWidth(w, o.widthStep, o.maxWidth);
    groups.set(b, [...(groups.get(b) ?? []), i]);
  });
  const calls: { bucket: number; items: number[] }[] = [];
  for (const [bucket, items] of groups) {
    for (let k = 0; k < items.length; k += o.batch)
      calls.push({ bucket, items: items.slice(k, k + o.batch) });
  }
  const results: Decoded[] = new Array(crops.length);
  // Issued together: the host runs them as its batching and ORT's threads allow.
  await Promise.all(
    calls.map(async ({ bucket, items }) => {
      const data = new Float32Array(items.length * 3 * REC_HEIGHT * bucket);
      items.forEach((i, row) => writeRow(crops[i], widths[i], data, row, bucket));
      const out = await runSession(ctx, 'rec.onnx', data, [items.length, 3, REC_HEIGHT, bucket]);
      const [, steps, classes] = out.shape;
      if (classes !== table.length) {
        throw new Error(`rec.onnx has ${classes} classes; the keys file gives ${table.length}`);
      }
      items.forEach((i, row) => {
        results[i] = ctcGreedy(out.data, row * steps * classes, steps, classes, table);
      });
    }),
  );
  return results;
}
