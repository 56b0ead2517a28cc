import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PDFDocumentLoadingTask, PDFDocumentProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { packageDir } from './assets.js';
import { OcrError } from './errors.js';
import type { DocumentLimits } from './limits.js';
import { checkDecodedSize } from './pdf-decoded-size.js';

// pdf.js's legacy build is its Node build. Imported on the first PDF, not with the script: it is 2 MB of
// module (its worker code runs in this thread, the "fake worker") that image-only deployments never need.
type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');
let pdfjs: Promise<PdfJs> | undefined;
const loadPdfJs = () => (pdfjs ??= import('pdfjs-dist/legacy/build/pdf.mjs'));

/** pdf.js's data folders (CMaps, wasm decoders for JPEG 2000 and JBIG2, ICC profiles, font metrics), read from the package. */
function packageFolder(sub: string): string {
  return `${join(packageDir('pdfjs-dist', dirname(fileURLToPath(import.meta.url))), sub)}/`;
}

/** An open document; `close` frees pdf.js's copy of it and every page it parsed. */
export interface OpenPdf {
  doc: PDFDocumentProxy;
  close(): Promise<void>;
}

/**
 * Opens a PDF after the checks that must come before pdf.js sees it: its size, and its Flate streams'
 * decoded size (pdf-decoded-size.ts). Then the page count, before any page is read. A document that needs a
 * password is ENCRYPTED_DOCUMENT; one pdf.js cannot parse at all is UNDECODABLE_DOCUMENT (damage it can
 * repair, as readers do, is repaired).
 */
export async function openPdf(body: Buffer, limits: DocumentLimits): Promise<OpenPdf> {
  if (body.length > limits.maxBytes) {
    throw new OcrError(
      'DOCUMENT_TOO_LARGE',
      `the PDF has ${body.length} bytes, over ${limits.maxBytes} (OCR_MAX_DOCUMENT_BYTES); split it or raise the setting`,
    );
  }
  await checkDecodedSize(body, limits.maxDecodedBytes);
  const { getDocument } = await loadPdfJs();
  const task: PDFDocumentLoadingTask = getDocument({
    // A copy: pdf.js may transfer (detach) the array it is given, and the body is the host's.
    data: new Uint8Array(body),
    // A PDF is untrusted input: no XFA forms, no system fonts, nothing fetched (pdf.js 6 never evals).
    enableXfa: false,
    disableFontFace: true,
    useSystemFonts: false,
    // Images pdf.js decodes (a page's scan) and its own scratch canvases stay within a page's pixels.
    maxImageSize: limits.maxPagePixels,
    canvasMaxAreaInBytes: limits.maxPagePixels * 4,
    // CMaps map the character codes of CJK fonts to Unicode: without them a Chinese text layer reads empty.
    cMapUrl: packageFolder('cmaps'),
    cMapPacked: true,
    wasmUrl: packageFolder('wasm'),
    iccUrl: packageFolder('iccs'),
    standardFontDataUrl: packageFolder('standard_fonts'),
    verbosity: 0,
  });
  let doc: PDFDocumentProxy;
  try {
    doc = await task.promise;
  } catch (e) {
    await task.destroy().catch(() => undefined);
    const name = (e as Error).name;
    if (name === 'PasswordException') {
      throw new OcrError(
        'ENCRYPTED_DOCUMENT',
        'the PDF is encrypted with a password; send it decrypted (e.g. "print to PDF" or qpdf --decrypt)',
        { cause: e },
      );
    }
    throw new OcrError('UNDECODABLE_DOCUMENT', `the PDF cannot be read: ${(e as Error).message}`, {
      cause: e,
    });
  }
  const close = () => task.destroy();
  if (doc.numPages > limits.maxPages) {
    await close();
    throw new OcrError(
      'TOO_MANY_PAGES',
      `the PDF has ${doc.numPages} pages, over ${limits.maxPages} (OCR_MAX_PAGES); split it or raise the setting`,
    );
  }
  return { doc, close };
}
