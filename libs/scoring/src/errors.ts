/**
 * Every failure a user can cause or meet carries a stable code, the HTTP status a trigger should map it to,
 * and whether retrying could ever help (blob and Service Bus triggers decide between an error record and a
 * retry on that flag alone).
 */
export type ErrorCode =
  | 'INVALID_JSON'
  | 'INVALID_INPUT'
  | 'INVALID_SHAPE'
  | 'INVALID_DATATYPE'
  | 'NON_FINITE_VALUE'
  | 'PAYLOAD_TOO_LARGE'
  | 'RESPONSE_TOO_LARGE'
  | 'NOT_ACCEPTABLE'
  | 'TOO_MANY_ROWS'
  | 'IMAGE_TOO_LARGE'
  | 'UNDECODABLE_IMAGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'UNDECODABLE_DOCUMENT'
  | 'ENCRYPTED_DOCUMENT'
  | 'TOO_MANY_PAGES'
  | 'DOCUMENT_TOO_LARGE'
  | 'MODEL_NOT_FOUND'
  | 'VERSION_NOT_FOUND'
  | 'MODEL_NOT_READY'
  | 'MODEL_LOADING'
  | 'MODEL_CONTROL_DISABLED'
  | 'MODEL_LOAD_FAILED'
  | 'INVALID_MODEL'
  | 'DATA_KEY_NOT_FOUND'
  | 'INFERENCE_FAILED'
  | 'UNAVAILABLE'
  | 'OVERLOADED'
  | 'TIMEOUT';

const STATUS: Record<ErrorCode, number> = {
  INVALID_JSON: 400,
  INVALID_INPUT: 400,
  INVALID_SHAPE: 400,
  INVALID_DATATYPE: 400,
  NON_FINITE_VALUE: 400,
  PAYLOAD_TOO_LARGE: 413,
  // The answer asked for is over MAX_RESPONSE_BYTES: the client asked for too much (select fewer outputs).
  RESPONSE_TOO_LARGE: 413,
  // The answer cannot take the form the Accept header asks for (raw bytes of several outputs).
  NOT_ACCEPTABLE: 406,
  TOO_MANY_ROWS: 413,
  IMAGE_TOO_LARGE: 413,
  UNDECODABLE_IMAGE: 400,
  UNSUPPORTED_MEDIA_TYPE: 415,
  // Documents (an entry script's PDF or multi-page TIFF): broken or locked is the sender's to fix; too
  // many pages or bytes (a decompression bomb's decoded streams too) is over a bound the host set.
  UNDECODABLE_DOCUMENT: 400,
  ENCRYPTED_DOCUMENT: 400,
  TOO_MANY_PAGES: 413,
  DOCUMENT_TOO_LARGE: 413,
  MODEL_NOT_FOUND: 404,
  VERSION_NOT_FOUND: 404,
  MODEL_NOT_READY: 503,
  MODEL_LOADING: 503,
  // Triton's answers: a load or unload where MODEL_CONTROL_MODE does not take them, a load that failed.
  MODEL_CONTROL_DISABLED: 400,
  MODEL_LOAD_FAILED: 400,
  INVALID_MODEL: 500,
  DATA_KEY_NOT_FOUND: 404,
  INFERENCE_FAILED: 500,
  UNAVAILABLE: 503,
  OVERLOADED: 503,
  // A gateway's timeout: the request was fine, its model did not answer within its time.
  TIMEOUT: 504,
};

/** Codes for which the same input will fail the same way: never worth a retry. */
const PERMANENT = new Set<ErrorCode>([
  'INVALID_JSON',
  'INVALID_INPUT',
  'INVALID_SHAPE',
  'INVALID_DATATYPE',
  'NON_FINITE_VALUE',
  'PAYLOAD_TOO_LARGE',
  'RESPONSE_TOO_LARGE',
  'NOT_ACCEPTABLE',
  'TOO_MANY_ROWS',
  'IMAGE_TOO_LARGE',
  'UNDECODABLE_IMAGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'UNDECODABLE_DOCUMENT',
  'ENCRYPTED_DOCUMENT',
  'TOO_MANY_PAGES',
  'DOCUMENT_TOO_LARGE',
  'MODEL_NOT_FOUND',
  'VERSION_NOT_FOUND',
  'DATA_KEY_NOT_FOUND',
  'MODEL_CONTROL_DISABLED',
]);

export class ScoringError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly permanent: boolean;
  /** For a 503: when a retry may succeed (HTTP `Retry-After`; a message is abandoned, a blob retried). */
  readonly retryAfterSeconds: number | undefined;

  /**
   * `permanent` overrides the code's own: a trigger may answer a failure another trigger retries (a timed-out
   * message gets an error reply, where a timed-out blob is retried).
   */
  constructor(
    code: ErrorCode,
    message: string,
    options?: { cause?: unknown; retryAfterSeconds?: number; permanent?: boolean },
  ) {
    super(boundMessage(message), options);
    this.name = 'ScoringError';
    this.code = code;
    this.status = STATUS[code];
    this.permanent = options?.permanent ?? PERMANENT.has(code);
    this.retryAfterSeconds =
      options?.retryAfterSeconds ?? (code === 'OVERLOADED' || code === 'MODEL_LOADING' ? 1 : undefined);
  }

  toJSON(): { error: string; code: ErrorCode } {
    return { error: this.message, code: this.code };
  }
}

/**
 * Messages reach HTTP bodies, error records, replies and log lines. A message that quotes what the client
 * sent (a shape, a value, a script's own error) could otherwise be as large as the request: 8 MB of
 * nesting once came back as an 8 MB "shape" in the response and in every log line.
 */
export const MAX_ERROR_MESSAGE_CHARS = 500;

/** `text` cut to `max` characters, saying how much was left out. */
export function boundText(text: string, max: number): string {
  if (text.length <= max) return text;
  const kept = Math.max(0, max - 60);
  return `${text.slice(0, kept)}… (${text.length - kept} more characters left out)`;
}

function boundMessage(message: string): string {
  return boundText(message, MAX_ERROR_MESSAGE_CHARS);
}

export function isScoringError(e: unknown): e is ScoringError {
  return e instanceof ScoringError;
}

/**
 * Wraps anything thrown into a ScoringError so triggers have one shape to translate. An error that carries
 * one of our codes is taken at its word even when it is not this class: an entry script compiled on its
 * own has its own copy of it.
 */
export function toScoringError(e: unknown): ScoringError {
  if (e instanceof ScoringError) return e;
  const code = (e as { code?: unknown } | null)?.code;
  if (e instanceof Error && typeof code === 'string' && Object.hasOwn(STATUS, code)) {
    return new ScoringError(code as ErrorCode, e.message, { cause: e });
  }
  const message = e instanceof Error ? e.message : String(e);
  return new ScoringError('INFERENCE_FAILED', `inference failed: ${message}`, { cause: e });
}
