import type { EntryContext } from '@modelfn/scoring/entry';
import type { DocumentPage } from './document.js';
import { OcrError } from './errors.js';
import type { DocumentLimits } from './limits.js';
import { ocrPixelsCached } from './page-cache.js';
import { largestImageShare } from './pdf-image-cover.js';
import { openPdf } from './pdf-open.js';
import { renderPdfPage } from './pdf-render.js';
import { readTextLayer } from './pdf-text-layer.js';
import type { OcrState } from './state.js';

/** A pdf.js failure on a page (damage it could not repair) as the sender's error, not the host's. */
async function onPage<T>(n: number, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof OcrError) throw e;
    const message = `page ${n} of the PDF cannot be read: ${(e as Error).message}`;
    throw new OcrError('UNDECODABLE_DOCUMENT', message, { cause: e });
  }
}

// A scan with a few lines stamped on it as text (a header, a page or Bates number) has a text layer that
// is not its text: such a page (an image over half of it, fewer than this many lines of text) is OCR'd
// whole instead, stamp included. A searchable scan (an invisible OCR layer over the image) has its lines.
const STAMP_LINES = 3;

/**
 * Every page of a PDF in order, one at a time (one rendered page in memory at once): a page with a text
 * layer is read from it, exactly and without OCR; a page without one (a scan), or a scan with a stamp
 * of text, is rendered at OCR_PDF_DPI and read by the OCR pipeline, cached by its pixels.
 */
export async function readPdf(
  body: Buffer,
  context: EntryContext,
  state: OcrState,
  limits: DocumentLimits,
): Promise<DocumentPage[]> {
  const { doc, close } = await openPdf(body, limits);
  const scale = limits.dpi / 72;
  try {
    const pages: DocumentPage[] = [];
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await onPage(n, () => doc.getPage(n));
      try {
        const layer = await onPage(n, () => readTextLayer(page, scale, state.options.lineTolerance));
        const stamped =
          layer !== undefined &&
          layer.lines.length < STAMP_LINES &&
          (await onPage(n, () => largestImageShare(page))) >= 0.5;
        if (layer && !stamped) {
          pages.push({ page: n, source: 'text', ...layer });
          continue;
        }
        const image = await onPage(n, () => renderPdfPage(page, n, scale, limits.maxPagePixels));
        const read = await ocrPixelsCached(context, state, image);
        pages.push({
          page: n,
          width: image.width,
          height: image.height,
          source: 'ocr',
          rotation: read.rotation,
          lines: read.lines,
        });
      } finally {
        page.cleanup();
      }
    }
    return pages;
  } finally {
    await close();
  }
}
