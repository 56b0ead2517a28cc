import { createHash } from 'node:crypto';
import type { EntryContext } from '@modelfn/scoring/entry';
import { documentResult, type DocumentResult } from './document.js';
import { documentLimits } from './limits.js';
import { readPdf } from './read-pdf.js';
import { readTiff } from './read-tiff.js';
import type { OcrState } from './state.js';

/**
 * A PDF, or a TIFF of `tiffPages` > 1 pages, read page by page. The whole answer is cached under the
 * sha256 of the bytes and the dpi (text-layer boxes are measured in pixels at that dpi); each OCR'd page
 * is cached on its own by its pixels (page-cache.ts), so a document sharing pages with one read before
 * reads only its other pages.
 */
export async function readDocument(
  body: Buffer,
  kind: 'pdf' | 'tiff',
  tiffPages: number,
  context: EntryContext,
  state: OcrState,
): Promise<DocumentResult> {
  const limits = documentLimits();
  const digest = createHash('sha256').update(body).digest('hex');
  const key = `doc:${state.id}:${limits.dpi}:${digest}`;
  const cached = await context.cache.get<DocumentResult>(key);
  if (cached) return cached;
  const pages =
    kind === 'pdf'
      ? await readPdf(body, context, state, limits)
      : await readTiff(body, tiffPages, context, state, limits);
  const result = documentResult(pages);
  await context.cache.set(key, result);
  return result;
}
