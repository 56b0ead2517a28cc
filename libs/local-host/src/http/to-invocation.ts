import type { IncomingMessage } from 'node:http';
import azf from '@azure/functions';
import type { HttpRequest } from '@azure/functions';
import { BufferedRequest } from './buffered-request.js';
import { newHttpRequest } from './local-request.js';

// @azure/functions is a CommonJS bundle whose classes Node's ESM loader cannot see as named exports.
const { HttpRequest: HttpRequestClass } = azf;

const SANE_HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/**
 * A path that URL parsing leaves exactly as it is: segments of unreserved characters, none starting with a
 * dot (so no `.`/`..` to resolve), no query, no percent-escapes. For those the URL is a concatenation.
 */
const PLAIN_PATH = /^(?:\/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*\/?$/;

/** Normalised origins by Host header (lower-cased host, default port dropped), so URL parses it once. */
const origins = new Map<string, string>();
const MAX_ORIGINS = 64;

function originOf(hostHeader: string | undefined, fallbackOrigin: string): string {
  if (!hostHeader || !SANE_HOST.test(hostHeader)) return fallbackOrigin;
  let origin = origins.get(hostHeader);
  if (origin === undefined) {
    origin = new URL(`http://${hostHeader}`).origin;
    if (origins.size >= MAX_ORIGINS) origins.clear();
    origins.set(hostHeader, origin);
  }
  return origin;
}

/** What `new URL(path, origin).href` gives, without parsing the common plain paths. */
export function requestUrl(path: string, origin: string): string {
  return PLAIN_PATH.test(path) ? origin + path : new URL(path, origin).href;
}

/**
 * The request as the Functions worker hands it to a handler: a real `HttpRequest` with the client's URL,
 * headers, route params and body. Query parameters come from the URL, so repeated keys survive.
 * `viaFetch` builds it with the public test constructor over an undici Request instead of BufferedRequest.
 */
export function toHttpRequest(
  req: IncomingMessage,
  body: Buffer,
  params: Record<string, string>,
  fallbackOrigin: string,
  viaFetch = false,
): HttpRequest {
  const origin = originOf(req.headers.host, fallbackOrigin);
  const headers: Record<string, string> = {};
  const raw = req.headers;
  for (const name in raw) {
    const value = raw[name];
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const method = req.method ?? 'GET';
  // fetch forbids a body on GET and HEAD; HttpRequest drops it the same way.
  const withBody = method !== 'GET' && method !== 'HEAD' && body.length > 0;
  const path = req.url ?? '/';
  const url = requestUrl(path, origin);
  if (viaFetch) {
    return new HttpRequestClass({
      method,
      url,
      headers,
      params,
      ...(withBody ? { body: { bytes: body } } : {}),
    });
  }
  const native = new BufferedRequest(url, method, headers, withBody ? body : undefined);
  // Without a query string there is nothing to parse.
  const query = path.includes('?') ? new URL(url).searchParams : new URLSearchParams();
  return newHttpRequest(native, params, query);
}
