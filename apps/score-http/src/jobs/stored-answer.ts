import type { AppResponse, HeaderMap } from '../respond.js';

/** A job's answer as its blob holds it: the body as bytes, its status and headers beside them. */
export interface StoredAnswer {
  status: number;
  headers: HeaderMap;
  body: Buffer;
}

/** The HTTP answer POST /score would have given, as bytes (a JSON body serialised as the host would). */
export function storedAnswer(response: AppResponse): StoredAnswer {
  const body =
    response.jsonBody !== undefined
      ? Buffer.from(JSON.stringify(response.jsonBody))
      : Buffer.isBuffer(response.body)
        ? response.body
        : Buffer.from(response.body ?? '');
  return { status: response.status, headers: { ...response.headers }, body };
}

/**
 * Blob metadata names must be identifiers and values ASCII: the status and the headers (JSON, percent
 * encoded) go there, the content type is the blob's own.
 */
export function answerMetadata(answer: StoredAnswer): Record<string, string> {
  return { status: String(answer.status), headers: encodeURIComponent(JSON.stringify(answer.headers)) };
}

export function answerFromBlob(metadata: Record<string, string> | undefined, body: Buffer): StoredAnswer {
  const status = Number(metadata?.status);
  const headers = metadata?.headers ? (JSON.parse(decodeURIComponent(metadata.headers)) as HeaderMap) : {};
  return { status: Number.isInteger(status) ? status : 500, headers, body };
}
