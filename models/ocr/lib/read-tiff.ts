import sharp from 'sharp';
import type { EntryContext } from '@modelfn/scoring/entry';
import type { DocumentPage } from './document.js';
import { OcrError } from './errors.js';
import { decodeImage } from './image.js';
import type { DocumentLimits } from './limits.js';
import { ocrPixelsCached } from './page-cache.js';
import type { OcrState } from './state.js';

const isTiff = (b: Buffer) => ['II*\0', 'MM\0*'].includes(b.toString('latin1', 0, 4));

/**
 * The pages of a TIFF (a scanner's multi-page file), from its header; 1 for anything else. An image sharp
 * cannot read is 1 page here: decodeImage then says why it cannot be decoded.
 */
export async function tiffPages(body: Buffer): Promise<number> {
  if (!isTiff(body)) return 1;
  try {
    return (await sharp(body).metadata()).pages ?? 1;
  } catch {
    return 1;
  }
}

/** Every page of a multi-page TIFF in order, each decoded alone and read, cached by its pixels. */
export async function readTiff(
  body: Buffer,
  pageCount: number,
  context: EntryContext,
  state: OcrState,
  limits: DocumentLimits,
): Promise<DocumentPage[]> {
  if (body.length > limits.maxBytes) {
    throw new OcrError(
      'DOCUMENT_TOO_LARGE',
      `the TIFF has ${body.length} bytes, over ${limits.maxBytes} (OCR_MAX_DOCUMENT_BYTES); split it or raise the setting`,
    );
  }
  if (pageCount > limits.maxPages) {
    throw new OcrError(
      'TOO_MANY_PAGES',
      `the TIFF has ${pageCount} pages, over ${limits.maxPages} (OCR_MAX_PAGES); split it or raise the setting`,
    );
  }
  const maxPixels = Math.min(limits.maxPagePixels, state.options.maxImagePixels);
  const pages: DocumentPage[] = [];
  for (let i = 0; i < pageCount; i++) {
    const image = await decodeImage(body, maxPixels, i);
    const read = await ocrPixelsCached(context, state, image);
    pages.push({
      page: i + 1,
      width: image.width,
      height: image.height,
      source: 'ocr',
      rotation: read.rotation,
      lines: read.lines,
    });
  }
  return pages;
}
