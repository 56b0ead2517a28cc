import { createHash } from 'node:crypto';
import type { EntryContext } from '@modelfn/scoring/entry';
import type { RgbImage } from './image.js';
import { ocrPage, type OcrResult } from './pipeline.js';
import type { OcrState } from './state.js';

/**
 * One page's pixels read by the pipeline, cached under the sha256 of those pixels: a page of a document
 * is found again in another document (or another copy of it) when it renders or decodes to the same
 * pixels, whatever bytes surround it. Its lines are cached by the pipeline as for any image.
 */
export async function ocrPixelsCached(
  context: EntryContext,
  state: OcrState,
  image: RgbImage,
): Promise<OcrResult> {
  const digest = createHash('sha256')
    .update(`${image.width}x${image.height}:`)
    .update(image.data)
    .digest('hex');
  const key = `pixels:${state.id}:${digest}`;
  const cached = await context.cache.get<OcrResult>(key);
  if (cached) return cached;
  const result = await ocrPage(context, image, state.options, state.table, state.id);
  await context.cache.set(key, result);
  return result;
}
