export type BlobSourceErrorCode =
  | 'INVALID_CONNECTION_STRING'
  | 'INVALID_BLOB_PATH'
  | 'UNRESOLVED_BINDING_PARAMETER'
  | 'UNSUPPORTED_BINDING'
  | 'QUEUE_REQUEST_FAILED';

export class BlobSourceError extends Error {
  readonly code: BlobSourceErrorCode;

  constructor(code: BlobSourceErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BlobSourceError';
    this.code = code;
  }
}
