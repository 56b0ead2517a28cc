import { createHash } from 'node:crypto';
import type { Tensor } from '@modelfn/scoring/entry';
import { argmaxSteps, ctcDecode, type Decoded } from './ctc.js';
import type { Mat } from './opencv.js';
import { REC_HEIGHT, paddedWidth, scaledWidth, writeRow } from './rec-input.js';
import { inferFp32, type OcrContext } from './session.js';

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
 * recognizer's output, which is why rec.onnx itself is configured with "cache": false. That output is
 * time steps × 6,625 classes of float32 (megabytes a line) unless config.json's top_k has the graph keep
 * the best class of each step, as it does.
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
      const out = await inferFp32(ctx, 'rec.onnx', data, [items.length, 3, REC_HEIGHT, bucket]);
      const steps = stepsOf(ctx, out, table);
      await Promise.all(
        items.map((i, row) => {
          const decoded = steps.decode(row);
          results[i] = decoded;
          return ctx.cache.set(keys[i], decoded);
        }),
      );
    }),
  );
  return results as Decoded[];
}

/**
 * The most likely class of each time step, per row of a rec.onnx run: read from the graph's own top-1
 * (config.json `"top_k": {"<output>": 1}`, the shipped setting: a line's 6,625 class probabilities per
 * step never leave onnxruntime) or, without it, from the full softmax.
 */
function stepsOf(
  ctx: OcrContext,
  out: Record<string, Tensor>,
  table: string[],
): { decode(row: number): Decoded } {
  const names = ctx.sessions['rec.onnx'].outputs.map((o) => o.name);
  const top = names.find((n) => n.endsWith('.indices'));
  if (top) {
    const values = out[top.replace(/\.indices$/, '.values')];
    const best = out[top]?.data;
    const max = values?.data;
    if (!(max instanceof Float32Array) || !(best instanceof Int32Array) || values.shape[2] !== 1)
      throw new Error(`rec.onnx's top_k outputs must be FP32 values and INT32 indices with k = 1`);
    const steps = values.shape[1];
    return { decode: (row) => ctcDecode(best, max, row * steps, steps, table) };
  }
  const probs = out[names[0]];
  const data = probs?.data;
  if (!(data instanceof Float32Array)) throw new Error('rec.onnx returned no FP32 output');
  const [, steps, classes] = probs.shape;
  if (classes !== table.length) {
    throw new Error(`rec.onnx has ${classes} classes; the keys file gives ${table.length}`);
  }
  return {
    decode: (row) => {
      const { best, max } = argmaxSteps(data, row, steps, classes);
      return ctcDecode(best, max, 0, steps, table);
    },
  };
}
