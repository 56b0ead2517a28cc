// Bounds on documents (PDFs, multi-page TIFFs), read from the environment as Azure app settings are: an
// operator sets them per Function app, without a new model version. Each bound is checked before the work
// it protects (pages before any page is read, pixels before a page is rendered, decoded bytes before
// pdf.js parses), and each breach is its own error code.

export interface DocumentLimits {
  /** OCR_MAX_PAGES: pages per document (PDF or TIFF). */
  maxPages: number;
  /** OCR_MAX_PAGE_PIXELS: pixels of one page as rendered (PDF at `dpi`) or decoded (a TIFF page). */
  maxPagePixels: number;
  /** OCR_MAX_DOCUMENT_BYTES: the document's own size. */
  maxBytes: number;
  /** OCR_MAX_DECODED_BYTES: all of a PDF's Flate streams decompressed, summed (decompression bombs). */
  maxDecodedBytes: number;
  /** OCR_PDF_DPI: the resolution PDF pages are rendered at, and text-layer boxes measured in. */
  dpi: number;
}

export const LIMIT_SETTINGS = {
  OCR_MAX_PAGES: { default: 100, min: 1, max: 10_000 },
  OCR_MAX_PAGE_PIXELS: { default: 4096 * 4096, min: 1, max: 2 ** 31 },
  OCR_MAX_DOCUMENT_BYTES: { default: 64 * 1024 * 1024, min: 1, max: 2 ** 31 },
  OCR_MAX_DECODED_BYTES: { default: 256 * 1024 * 1024, min: 1, max: 2 ** 33 },
  OCR_PDF_DPI: { default: 150, min: 36, max: 600 },
  OCR_ASYNC_PAGES: { default: 10, min: 0, max: 10_000 },
} as const;

type Env = Readonly<Record<string, string | undefined>>;

function setting(env: Env, name: keyof typeof LIMIT_SETTINGS): number {
  const { default: fallback, min, max } = LIMIT_SETTINGS[name];
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min || v > max) {
    // A configuration error, not the request's: thrown as a plain Error (500) with what to set.
    throw new Error(`app setting ${name} must be an integer in [${min}, ${max}]; got "${raw}"`);
  }
  return v;
}

/** The bounds now in force; read per request, so a changed app setting applies without a reload. */
export function documentLimits(env: Env = process.env): DocumentLimits {
  return {
    maxPages: setting(env, 'OCR_MAX_PAGES'),
    maxPagePixels: setting(env, 'OCR_MAX_PAGE_PIXELS'),
    maxBytes: setting(env, 'OCR_MAX_DOCUMENT_BYTES'),
    maxDecodedBytes: setting(env, 'OCR_MAX_DECODED_BYTES'),
    dpi: setting(env, 'OCR_PDF_DPI'),
  };
}

/**
 * OCR_ASYNC_PAGES: documents of more pages are answered over HTTP with 202 and a status URL (score.ts's
 * respondAsync); 0 sends every request there. Blobs and messages are asynchronous already.
 */
export function asyncPages(env: Env = process.env): number {
  return setting(env, 'OCR_ASYNC_PAGES');
}
