import { randomUUID } from 'node:crypto';
import type { HttpHandler, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { outcomeOfStatus, reportFields, reportOutcome, reportScored } from '@modelfn/functions';
import type { CacheStatus, Scorer } from '@modelfn/scoring';
import { inIncomingSpan } from '@modelfn/telemetry';
import { SpanStatusCode, type Span } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { httpMetrics, outcomeOf } from './http-metrics.js';
import { requestLogger } from './log.js';
import { errorResponse, type AppResponse, type HeaderMap } from './respond.js';

/** What a handler learns while it runs and the wrapper reports: which model answered, and how the cache did. */
export interface RequestScope {
  readonly requestId: string;
  readonly log: Logger;
  /** A model name known to the repository (never raw user input: it becomes a metric label). */
  model?: string;
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
 * Wraps a handler with what every function does the same way: the request id, `{"error", "code"}` for
 * failures, the `x-request-id` / `x-cache` headers and the HTTP request metrics (by status class and x-cache).
 * The invocation's log line and trigger-wide metrics come from the invocation hooks (invocationObserver), to
 * which this reports the model, the cache outcome and why a request failed.
 */
export function instrument(functionName: string, handler: ScopedHandler): HttpHandler {
  const spanName = `HTTP ${functionName}`;
  // One span per request, with what the scoring spans under it lack: the request's own (SERVER, in the
  // caller's traceparent) on the local host, a child of the host's request span in Azure.
  return (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> =>
    inIncomingSpan(
      spanName,
      {
        carrier: request.headers,
        attributes: { 'http.request.method': request.method },
        invocation: context,
      },
      (span) => respond(request, context, span),
    );

  async function respond(
    request: HttpRequest,
    context: InvocationContext,
    span: Span,
  ): Promise<HttpResponseInit> {
    const started = performance.now();
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

    if (span.isRecording()) {
      span.setAttributes({ 'http.response.status_code': status, 'modelfn.request_id': scope.requestId });
      if (scope.model) span.setAttribute('modelfn.model', scope.model);
      if (scope.cache) span.setAttribute('modelfn.cache', scope.cache);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    }

    const seconds = (performance.now() - started) / 1000;
    const labels = { function: functionName, model: scope.model ?? 'none', outcome: outcomeOf(status) };
    httpMetrics.requests.inc(labels);
    httpMetrics.seconds.observe(labels, seconds);
    if (scope.cache && status < 400)
      httpMetrics.cache.inc({ function: functionName, model: labels.model, cache: scope.cache });

    if (scope.model && status < 400) reportScored(context, scope.model, scope.cache);
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
  }
}
