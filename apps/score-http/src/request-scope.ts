import { randomUUID } from 'node:crypto';
import type { HttpHandler, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { outcomeOfStatus, reportFields, reportOutcome, reportScored } from '@modelfn/functions';
import type { CacheStatus, Scorer } from '@modelfn/scoring';
import type { Logger } from 'pino';
import { requestLogger } from './log.js';
import { errorResponse, type AppResponse, type HeaderMap } from './respond.js';

/** What a handler learns while it runs and the wrapper reports: which model answered, and how the cache did. */
export interface RequestScope {
  readonly requestId: string;
  readonly log: Logger;
  /** A model name known to the repository (never raw user input: it becomes a metric label). */
  model?: string;
  /** The version that answered (a metric label too), when the handler knows it. */
  version?: string;
  cache?: CacheStatus;
}

export type ScopedHandler = (request: HttpRequest, scope: RequestScope) => Promise<AppResponse>;

export type ScorerSource = () => Promise<Scorer>;

/** Caller-chosen ids are echoed only when they cannot smuggle anything into headers or logs. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdOf(header: string | null, context: InvocationContext): string {
  if (header !== null && SANE_REQUEST_ID.test(header)) return header;
  return context.invocationId && context.invocationId !== 'unknown' ? context.invocationId : randomUUID();
}

class Scope implements RequestScope {
  model?: string;
  version?: string;
  cache?: CacheStatus;
  private logger?: Logger;
  constructor(
    readonly requestId: string,
    private readonly functionName: string,
  ) {}
  get log(): Logger {
    // A child logger per request costs an allocation; most requests never log, so it is made on first use.
    this.logger ??= requestLogger(this.requestId, this.functionName);
    return this.logger;
  }
}

/**
 * Wraps a handler with what every HTTP function does the same way: the request id, `{"error", "code"}` for
 * failures, the `x-request-id` / `x-cache` headers, and the report of the model, the cache outcome and why a
 * request failed. The invocation hooks (invocationObserver) make the log line and the metrics of that report,
 * the span wrapper (observeInvocation) the span's attributes.
 */
export function withRequestScope(functionName: string, handler: ScopedHandler): HttpHandler {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const scope = new Scope(requestIdOf(request.headers.get('x-request-id'), context), functionName);
    let response: AppResponse;
    let failure: unknown;
    try {
      response = await handler(request, scope);
    } catch (e) {
      failure = e;
      ({ response } = errorResponse(e, scope.requestId));
    }
    const status = response.status;
    const headers: HeaderMap = { ...response.headers, 'x-request-id': scope.requestId };
    if (scope.cache && status < 400) headers['x-cache'] = scope.cache;

    if (scope.model && status < 400) reportScored(context, scope.model, scope.cache, scope.version);
    reportOutcome(context, outcomeOfStatus(status), failure);
    reportFields(
      context,
      status < 400
        ? { requestId: scope.requestId, status }
        : {
            requestId: scope.requestId,
            status,
            request: `${request.method} ${new URL(request.url).pathname}`,
          },
    );
    return { ...response, headers };
  };
}
