import { createHash } from 'node:crypto';
import type { EntryContext } from '@modelfn/scoring/entry';
import type { RgbImage } from './image.js';
import { ocrOriented, type OrientedResult } from './orientation.js';
import type { OcrState } from './state.js';

/**
 * One page's pixels read by the pipeline, cached under the sha256 of those pixels: a page of a document
 * is found again in another document (or another copy of it) when it renders or decodes to the same
 * pixels, whatever bytes surround it. Its lines are cached by the pipeline as for any image; it is read
 * in whichever of four orientations it is turned (orientation.ts).
 */
export async function ocrPixelsCached(
  context: EntryContext,
  state: OcrState,
  image: RgbImage,
): Promise<OrientedResult> {
  const digest = createHash('sha256')
    .update(`${image.width}x${image.height}:`)
    .update(image.data)
    .digest('hex');
  const key = `pixels:${state.id}:${digest}`;
  const cached = await context.cache.get<OrientedResult>(key);
  if (cached) return cached;
  const result = await ocrOriented(context, image, state.options, state.table, state.id);
  await context.cache.set(key, result);
  return result;
}
