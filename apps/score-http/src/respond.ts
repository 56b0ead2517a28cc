import type { HttpResponseInit } from '@azure/functions';
import { isScoringError } from '@modelfn/scoring';

export type HeaderMap = Record<string, string>;

/** What handlers return: a subset of HttpResponseInit with plain headers, so the wrapper can add its own. */
export interface AppResponse extends HttpResponseInit {
  status: number;
  headers: HeaderMap;
  body?: string | Buffer;
}

export function json(status: number, body: unknown, headers: HeaderMap = {}): AppResponse {
  return { status, jsonBody: body, headers: { 'content-type': 'application/json', ...headers } };
}

export interface ErrorOutcome {
  response: AppResponse;
  /** Not a ScoringError: a bug or an environment failure, logged with its stack. */
  unexpected: boolean;
}

/**
 * Every failure as `{"error", "code"}` with the status its code maps to. A ScoringError's message is written
 * for the caller; anything else is a fault of ours, so the caller gets the request id and the log the detail.
 */
export function errorResponse(e: unknown, requestId: string): ErrorOutcome {
  if (isScoringError(e)) {
    const headers: HeaderMap =
      e.retryAfterSeconds === undefined ? {} : { 'retry-after': String(e.retryAfterSeconds) };
    return { response: json(e.status, { error: e.message, code: e.code }, headers), unexpected: false };
  }
  return {
    response: json(500, {
      error: `internal error while handling the request; the service log has the details under request id ${requestId}`,
      code: 'INTERNAL_ERROR',
    }),
    unexpected: true,
  };
}
