import { identityGeometry, toSentBox, type Box, type ImageGeometry } from '../decode/image-geometry.js';
import { ScoringError } from '../errors.js';
import type { Label } from '../model/classification.js';
import { detectionRowDims, type Detection } from '../model/detection-config.js';
import type { InferenceResult } from '../pipeline/inference-request.js';
import { fromHalf } from '../tensor/fp16.js';
import type { Tensor } from '../tensor/tensor.js';
import { shortestFloat32 } from '../tensor/tensor-to-json.js';
import { nms, type Candidate } from './nms.js';

/** One object found in a sent image: its class, its score, and its box in the sent image's pixels. */
export interface DetectedObject {
  label: Label;
  score: number;
  /** [x1, y1, x2, y2] in pixels of the image that was sent (after EXIF orientation), to 1/100 pixel. */
  box: Box;
}

/** Row `r` of an output as numbers, with the dims of that row (an unbatched model's leading 1s dropped). */
interface RowView {
  dims: number[];
  /** FP32 and FP64 rows are views of the output (no copy); other types are converted once. */
  v: ArrayLike<number>;
}

function rowView(t: Tensor, r: number, rows: number, batched: boolean, rank: number): RowView {
  const dims = detectionRowDims(batched ? t.shape.slice(1) : t.shape, batched, rank);
  if (dims.length !== rank)
    throw new ScoringError(
      'INFERENCE_FAILED',
      `output "${t.name}" came out as [${t.shape}], which postprocessing.detection cannot read as ${rank === 1 ? '[N]' : '[N, K]'} per row; fix config.json's postprocessing.detection or select the output to answer tensors`,
      { permanent: true },
    );
  const size = t.data.length / rows;
  const row = (t.data as Exclude<Tensor['data'], string[]>).subarray(r * size, (r + 1) * size);
  if (row instanceof Float32Array || row instanceof Float64Array) return { dims, v: row };
  const v = new Float64Array(size);
  for (let i = 0; i < size; i++) v[i] = t.datatype === 'FP16' ? fromHalf(row[i] as number) : Number(row[i]);
  return { dims, v };
}

function corners(format: 'cxcywh' | 'xyxy', a: number, b: number, c: number, d: number): Candidate['box'] {
  if (format === 'xyxy') return [Math.min(a, c), Math.min(b, d), Math.max(a, c), Math.max(b, d)];
  return [a - c / 2, b - d / 2, a + c / 2, b + d / 2];
}

/**
 * Every box of row `r` whose score reaches the threshold, in model-input units, with its best class (the
 * first of equal scores). The loops read the arrays directly: a YOLOv8 row is 8400 boxes x 80 classes.
 */
function candidates(result: InferenceResult, d: Detection, r: number): Candidate[] {
  const { config: c } = d;
  const { rows } = result;
  const batched = result.model.batched;
  const threshold = c.scoreThreshold;
  const out: Candidate[] = [];
  if (c.layout === 'yolov5') {
    const { dims, v } = rowView(result.outputs[d.output], r, rows, batched, 2);
    const [n, width] = dims;
    for (let i = 0, o = 0; i < n; i++, o += width) {
      let cls = 0;
      let top = -Infinity;
      for (let k = 5; k < width; k++)
        if (v[o + k] > top) {
          top = v[o + k];
          cls = k - 5;
        }
      const score = v[o + 4] * top;
      if (score >= threshold)
        out.push({ box: corners(c.boxFormat, v[o], v[o + 1], v[o + 2], v[o + 3]), cls, score });
    }
  } else if (c.layout === 'yolov8') {
    const { dims, v } = rowView(result.outputs[d.output], r, rows, batched, 2);
    const [height, n] = dims;
    // Class by class over every box (the memory order), keeping each box's best so far.
    const best = new Float64Array(n).fill(-Infinity);
    const bestCls = new Int32Array(n);
    for (let k = 4; k < height; k++) {
      const o = k * n;
      for (let i = 0; i < n; i++)
        if (v[o + i] > best[i]) {
          best[i] = v[o + i];
          bestCls[i] = k - 4;
        }
    }
    for (let i = 0; i < n; i++) {
      if (!(best[i] >= threshold)) continue;
      const box = corners(c.boxFormat, v[i], v[n + i], v[2 * n + i], v[3 * n + i]);
      out.push({ box, cls: bestCls[i], score: best[i] });
    }
  } else {
    const boxes = rowView(result.outputs[d.output], r, rows, batched, 2);
    const scoresOut = result.outputs[d.scores!];
    const scoreDims = detectionRowDims(batched ? scoresOut.shape.slice(1) : scoresOut.shape, batched, 1);
    const perClass = scoreDims.length === 2;
    const scores = rowView(scoresOut, r, rows, batched, perClass ? 2 : 1);
    const classes =
      d.classes !== undefined ? rowView(result.outputs[d.classes], r, rows, batched, 1) : undefined;
    const n = boxes.dims[0];
    if (scores.dims[0] !== n || (classes && classes.dims[0] !== n))
      throw new ScoringError(
        'INFERENCE_FAILED',
        `postprocessing.detection: the model gave ${n} boxes but ${scores.dims[0]} scores${classes ? ` and ${classes.dims[0]} classes` : ''}`,
        { permanent: true },
      );
    const b = boxes.v;
    const width = boxes.dims[1];
    const C = perClass ? scores.dims[1] : 1;
    for (let i = 0; i < n; i++) {
      let cls = 0;
      let score = -Infinity;
      if (perClass) {
        for (let k = 0; k < C; k++)
          if (scores.v[i * C + k] > score) {
            score = scores.v[i * C + k];
            cls = k;
          }
      } else {
        score = scores.v[i];
        cls = classes ? Math.round(classes.v[i]) : 0;
      }
      if (score >= threshold) {
        const o = i * width;
        out.push({ box: corners(c.boxFormat, b[o], b[o + 1], b[o + 2], b[o + 3]), cls, score });
      }
    }
  }
  return out;
}

const hundredths = (v: number) => Math.round(v * 100) / 100 || 0;

/**
 * The detections of every row, best first: candidates at or above `scoreThreshold`, normalised boxes in
 * model-input pixels, NMS in the model input's pixels (as Ultralytics does it, before scaling back), then
 * each box mapped back through the resize to the sent image and clipped to it. A box wholly outside the
 * image (in a letterbox's padding, past an edge) is no detection: it is dropped before NMS, as is a box
 * with a coordinate that is not a finite number. Rows that came
 * as tensors (JSON) are in the model input's pixels; a model without `preprocessing.image` answers boxes
 * in its own units, unclipped.
 */
export function detections(result: InferenceResult): DetectedObject[][] {
  const d = result.model.detection;
  if (!d) throw new RangeError(`model "${result.model.name}" has no postprocessing.detection`);
  const pre = result.model.image?.pre;
  return Array.from({ length: result.rows }, (_, r) => {
    const g: ImageGeometry | undefined = result.images?.[r] ?? (pre ? identityGeometry(pre) : undefined);
    const sx = d.config.normalized && g ? g.inputWidth : 1;
    const sy = d.config.normalized && g ? g.inputHeight : 1;
    const inside: Candidate[] = [];
    for (const c of candidates(result, d, r)) {
      const box: Candidate['box'] = [c.box[0] * sx, c.box[1] * sy, c.box[2] * sx, c.box[3] * sy];
      // A box the model gave as NaN or infinite is no place in the image (JSON would carry it as null).
      if (!box.every(Number.isFinite)) continue;
      if (g) {
        const sent = toSentBox(g, box);
        if (sent[2] <= sent[0] || sent[3] <= sent[1]) continue;
      }
      inside.push({ ...c, box });
    }
    const kept = nms(inside, d.config);
    return kept.map(({ box, cls, score }) => ({
      label: d.labels?.[cls] ?? cls,
      score: shortestFloat32(score),
      box: (g ? toSentBox(g, box) : box).map(hundredths) as Box,
    }));
  });
}
