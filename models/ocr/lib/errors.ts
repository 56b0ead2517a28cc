/** The host's error codes this model answers with (it maps them to 400 / 413 / 415). */
export type OcrErrorCode =
  | 'UNDECODABLE_IMAGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'IMAGE_TOO_LARGE'
  // Documents (PDF, multi-page TIFF): 400, 400, 413, 413.
  | 'UNDECODABLE_DOCUMENT'
  | 'ENCRYPTED_DOCUMENT'
  | 'TOO_MANY_PAGES'
  | 'DOCUMENT_TOO_LARGE';

/**
 * An error the host takes at its word: any Error whose `code` is one of its codes becomes that
 * ScoringError. A class of our own keeps the entry script free of runtime imports from the host.
 */
export class OcrError extends Error {
  constructor(
    readonly code: OcrErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'OcrError';
  }
}
