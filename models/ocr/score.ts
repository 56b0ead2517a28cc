import { createHash } from 'node:crypto';
import type { AMLRequest, EntryContext } from '@modelfn/scoring/entry';
import type { DocumentResult } from './lib/document.js';
import { decodeImage } from './lib/image.js';
import { asyncPages, documentLimits } from './lib/limits.js';
import { checkMediaType } from './lib/media-type.js';
import { ocrOriented, type OrientedResult } from './lib/orientation.js';
import { pageCount } from './lib/page-count.js';
import { readDocument } from './lib/read-document.js';
import { tiffPages } from './lib/read-tiff.js';
import { stateFor } from './lib/state.js';

// PP-OCRv4 text detection and recognition (PaddleOCR's DB + CTC pipeline) as an entry script: a page
// image in, its text lines in reading order out; a PDF or a multi-page TIFF in, its pages out. See
// config.json for the settings and lib/ for each step.

/** Once per loaded version: options checked, keys read and pinned, OpenCV.js instantiated. */
export async function init(context: EntryContext): Promise<void> {
  // A malformed OCR_* app setting fails the load, with its name, rather than every document later.
  documentLimits();
  asyncPages();
  await stateFor(context);
}

/**
 * Asked by the HTTP trigger before `run`: a document of more than OCR_ASYNC_PAGES pages is answered with
 * 202 and a status URL, its pages read by a job. A document its bounds refuse is refused here, at once.
 */
export async function respondAsync(request: AMLRequest): Promise<boolean> {
  return (await pageCount(request.body, request.contentType)) > asyncPages();
}

/**
 * One image: refused early when it is no raster image nor PDF, answered from the page cache when these
 * bytes were read before (by this pipeline), else detected and recognised, every model run through
 * `context.infer` so recognition rows are cached per text-line crop. A PDF or a multi-page TIFF: its pages
 * (read-document.ts), `{text, pages}`; a single image keeps its answer `{text, lines}`, with the
 * `rotation` its page was found turned by (orientation.ts).
 */
export async function run(
  request: AMLRequest,
  context: EntryContext,
): Promise<OrientedResult | DocumentResult> {
  const state = await stateFor(context);
  const kind = checkMediaType(request.body, request.contentType);
  if (kind === 'pdf') return readDocument(request.body, 'pdf', 0, context, state);
  const pages = await tiffPages(request.body);
  if (pages > 1) return readDocument(request.body, 'tiff', pages, context, state);
  const key = `page:${state.id}:${createHash('sha256').update(request.body).digest('hex')}`;
  const cached = await context.cache.get<OrientedResult>(key);
  if (cached) return cached;
  const image = await decodeImage(request.body, state.options.maxImagePixels);
  const result = await ocrOriented(context, image, state.options, state.table, state.id);
  await context.cache.set(key, result);
  return result;
}
