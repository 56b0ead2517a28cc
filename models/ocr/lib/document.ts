import type { OcrLine } from './pipeline.js';
import type { Rotation } from './upright.js';

/** One page of a document's answer. */
export interface DocumentPage {
  /** From 1, in the document's order. */
  page: number;
  /** Pixels of the page as read: rendered at OCR_PDF_DPI (PDF) or decoded (TIFF); boxes are in them. */
  width: number;
  height: number;
  /** `text`: read from the PDF's text layer (exact, confidence 1); `ocr`: rendered or decoded and read. */
  source: 'text' | 'ocr';
  /** How far clockwise the page's text is turned on the page as given. */
  rotation: Rotation;
  lines: OcrLine[];
}

/** A document's answer (PDF, multi-page TIFF): every page, and all their text. */
export interface DocumentResult {
  /** The pages' texts in order, lines joined by "\n", pages by "\n\n". */
  text: string;
  pages: DocumentPage[];
}

export function documentResult(pages: DocumentPage[]): DocumentResult {
  return { text: pages.map((p) => p.lines.map((l) => l.text).join('\n')).join('\n\n'), pages };
}
