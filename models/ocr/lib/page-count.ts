import { documentLimits } from './limits.js';
import { checkMediaType } from './media-type.js';
import { openPdf } from './pdf-open.js';
import { tiffPages } from './read-tiff.js';

/**
 * The pages a body would be read as, counted as reading it counts them: a PDF opened behind the same checks
 * (its bytes, its streams' decoded size, a password, more pages than OCR_MAX_PAGES: each refused here with
 * the code reading it would give), a TIFF from its header, any other image 1. A TIFF over OCR_MAX_PAGES is
 * counted 0: not worth a job, its read refuses it at once.
 */
export async function pageCount(body: Buffer, contentType: string | undefined): Promise<number> {
  const limits = documentLimits();
  if (checkMediaType(body, contentType) === 'pdf') {
    const pdf = await openPdf(body, limits);
    try {
      return pdf.doc.numPages;
    } finally {
      await pdf.close();
    }
  }
  const pages = await tiffPages(body);
  return pages > limits.maxPages || body.length > limits.maxBytes ? 0 : pages;
}
