import { createHash } from 'node:crypto';
import type { AMLRequest, EntryContext } from '@modelfn/scoring/entry';
import { checkMediaType, decodeImage } from './lib/image.js';
import { ocrPage, type OcrResult } from './lib/pipeline.js';
import { stateFor } from './lib/state.js';

// PP-OCRv4 text detection and recognition (PaddleOCR's DB + CTC pipeline) as an entry script: a page
// image in, its text lines in reading order out. See config.json for the settings and lib/ for each step.

/** Once per loaded version: options checked, keys read and pinned, OpenCV.js instantiated. */
export async function init(context: EntryContext): Promise<void> {
  await stateFor(context);
}

/**
 * One page: refused early when it is no raster image, answered from the page cache when these bytes
 * were read before (by this pipeline), else detected and recognised, every model run through
 * `context.infer` so recognition rows are cached per text-line crop.
 */
export async function run(request: AMLRequest, context: EntryContext): Promise<OcrResult> {
  const state = await stateFor(context);
  checkMediaType(request.body, request.contentType);
  const key = `page:${state.id}:${createHash('sha256').update(request.body).digest('hex')}`;
  const cached = await context.cache.get<OcrResult>(key);
  if (cached) return cached;
  const image = await decodeImage(request.body, state.options.maxImagePixels);
  const result = await ocrPage(context, image, state.options, state.table, state.id);
  await context.cache.set(key, result);
  return result;
}
