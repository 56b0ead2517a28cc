import { cv, type Mat } from './opencv.js';
import { REC_HEIGHT, scaledWidth, writeRow } from './rec-input.js';
import { runSession, type OcrContext } from './session.js';

/** The angle classifier's fixed input width (ch_ppocr_mobile_v2.0_cls: 3 x 48 x 192). */
const CLS_WIDTH = 192;

/** The classifier's probability that each crop is upside down (its class '180'), as the crops are. */
export async function upsideDownProbabilities(
  ctx: OcrContext,
  crops: Mat[],
  batch: number,
): Promise<number[]> {
  const probs: number[] = [];
  for (let k = 0; k < crops.length; k += batch) {
    const part = crops.slice(k, k + batch);
    const data = new Float32Array(part.length * 3 * REC_HEIGHT * CLS_WIDTH);
    part.forEach((crop, row) => writeRow(crop, scaledWidth(crop, CLS_WIDTH), data, row, CLS_WIDTH));
    const out = await runSession(ctx, 'cls.onnx', data, [part.length, 3, REC_HEIGHT, CLS_WIDTH]);
    // Two classes, '0' and '180', softmaxed.
    part.forEach((_, row) => probs.push(out.data[row * 2 + 1]));
  }
  return probs;
}

/**
 * PaddleOCR's text angle classifier: each crop at 48 x 192 (squeezed when wider, padded when narrower,
 * normalised as for recognition); crops it reads as upside down with probability above `thresh` are
 * turned 180 degrees in place. Returns which were turned (part of their line cache keys).
 */
export async function fixUpsideDown(
  ctx: OcrContext,
  crops: Mat[],
  thresh: number,
  batch: number,
): Promise<boolean[]> {
  const c = cv();
  const probs = await upsideDownProbabilities(ctx, crops, batch);
  return crops.map((crop, i) => {
    if (!(probs[i] > thresh && probs[i] > 1 - probs[i])) return false;
    c.rotate(crop, crop, c.ROTATE_180);
    return true;
  });
}
