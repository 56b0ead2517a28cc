import type { PDFPageProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { OcrError } from './errors.js';
import type { RgbImage } from './image.js';

/**
 * Renders a page as displayed (its /Rotate applied) at `scale` pixels per point onto white, as the RGB
 * image the OCR pipeline reads. Refused (413) before any pixel is drawn when it would have more than
 * `maxPixels`: a page's size is the document's to say, and a poster-sized page at 150 dpi is gigapixels.
 */
export async function renderPdfPage(
  page: PDFPageProxy,
  number: number,
  scale: number,
  maxPixels: number,
): Promise<RgbImage> {
  const viewport = page.getViewport({ scale });
  // Whole pixels covering the page; 1000.0000000001 (points × dpi / 72 in floating point) is 1000.
  const width = Math.ceil(viewport.width - 1e-6);
  const height = Math.ceil(viewport.height - 1e-6);
  if (width * height > maxPixels || width < 1 || height < 1) {
    throw new OcrError(
      'IMAGE_TOO_LARGE',
      `page ${number} renders to ${width}×${height} pixels, over ${maxPixels} (OCR_MAX_PAGE_PIXELS); ` +
        'lower OCR_PDF_DPI or raise OCR_MAX_PAGE_PIXELS',
    );
  }
  // @napi-rs/canvas is the canvas pdf.js's Node build uses itself (its optional dependency); imported
  // with the first page to render, as pdf.js is.
  const { createCanvas } = await import('@napi-rs/canvas');
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);
  await page.render({
    canvas: canvas as never,
    canvasContext: ctx as never,
    viewport,
  }).promise;
  const rgba = ctx.getImageData(0, 0, width, height).data;
  const data = Buffer.allocUnsafe(width * height * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    data[j] = rgba[i];
    data[j + 1] = rgba[i + 1];
    data[j + 2] = rgba[i + 2];
  }
  return { data, width, height };
}
