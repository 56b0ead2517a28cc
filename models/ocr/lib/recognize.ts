import { createHash } from 'node:crypto';
import { ctcGreedy, type Decoded } from './ctc.js';
import type { Mat } from './opencv.js';
import { REC_HEIGHT, paddedWidth, scaledWidth, writeRow } from './rec-input.js';
import { runSession, type OcrContext } from './session.js';

export interface RecOptions {
  maxWidth: number;
  widthStep: number;
  batch: number;
}

/** A crop to read, and its cache key when it has one that box jitter does not change (line-key.ts). */
export interface LineToRead {
  crop: Mat;
  key?: string;
}

interface Row {
  bucket: number;
  data: Float32Array;
  key: string;
}

/** A crop as its recognition row, padded to its bucket, with the row's own sha256 as a key. */
function rowOf(crop: Mat, o: RecOptions): Row {
  const width = scaledWidth(crop, o.maxWidth);
  const bucket = paddedWidth(width, o.widthStep, o.maxWidth);
  const data = new Float32Array(3 * REC_HEIGHT * bucket);
  writeRow(crop, width, data, 0, bucket);
  const key = `rec:${createHash('sha256').update(new Uint8Array(data.buffer)).digest('hex')}`;
  return { bucket, data, key };
}

/**
 * Reads every crop of a page. Each line is known by its ink key when it has one (the page pixels of its
 * ink: the same on any page, wherever the detector put the box) and else by the sha256 of its recognition
 * row (the pixels as the recognizer sees them, which move with the box): a line read before, on this page
 * or any other, is answered from the model's cache without running the recognizer, and only the others
 * are made into rows and run. Lines are cached as their decoded text (tens of bytes), not as the
 * recognizer's output (time steps × 6,625 classes of float32, megabytes a line), which is why rec.onnx
 * itself is configured with "cache": false.
 *
 * Crops are grouped by padded width (their width at height 48 rounded up to a multiple of
 * rec_width_step), so lines of about the same length, most of a page of prose, share one tensor, and the
 * host's batcher can merge rows of concurrent requests that have the same shape. A row is padded for its
 * own crop, never for its neighbours (PaddleOCR pads a batch to its widest line), so a crop always makes
 * the same row and the same key. Measured on the test pages: steps of 32 px read as unpadded rows do;
 * coarser buckets (160, 320, 480...) lost a character and cost up to a third more compute. Calls carry at
 * most rec_batch_num rows: on CPU, batching saves call overhead, not compute, and large batches cost more
 * per row (one ORT thread, width 960: 62 ms a row alone, 81 in fours, 104 in sixteens).
 */
export async function recognize(
  ctx: OcrContext,
  lines: LineToRead[],
  table: string[],
  o: RecOptions,
): Promise<Decoded[]> {
  const rows: (Row | undefined)[] = lines.map((l) => (l.key ? undefined : rowOf(l.crop, o)));
  const keys = lines.map((l, i) => l.key ?? (rows[i] as Row).key);
  const results: (Decoded | undefined)[] = await Promise.all(keys.map((k) => ctx.cache.get<Decoded>(k)));
  const groups = new Map<number, number[]>();
  lines.forEach((l, i) => {
    if (results[i]) return;
    const r = (rows[i] ??= rowOf(l.crop, o));
    groups.set(r.bucket, [...(groups.get(r.bucket) ?? []), i]);
  });
  const calls: { bucket: number; items: number[] }[] = [];
  for (const [bucket, items] of groups) {
    for (let k = 0; k < items.length; k += o.batch)
      calls.push({ bucket, items: items.slice(k, k + o.batch) });
  }
  // Issued together: the host runs them as its batching and ORT's threads allow.
  await Promise.all(
    calls.map(async ({ bucket, items }) => {
      const size = 3 * REC_HEIGHT * bucket;
      const data = new Float32Array(items.length * size);
      items.forEach((i, row) => data.set((rows[i] as Row).data, row * size));
      const out = await runSession(ctx, 'rec.onnx', data, [items.length, 3, REC_HEIGHT, bucket]);
      const [, steps, classes] = out.shape;
      if (classes !== table.length) {
        throw new Error(`rec.onnx has ${classes} classes; the keys file gives ${table.length}`);
      }
      await Promise.all(
        items.map((i, row) => {
          const decoded = ctcGreedy(out.data, row * steps * classes, steps, classes, table);
          results[i] = decoded;
          return ctx.cache.set(keys[i], decoded);
        }),
      );
    }),
  );
  return results as Decoded[];
}
