import type { ServerResponse } from 'node:http';
import azf from '@azure/functions';
import type { Cookie, HttpResponse, HttpResponseInit } from '@azure/functions';

const { HttpResponse: HttpResponseClass } = azf;

/** Headers the host owns: it frames the body itself, so a handler's value would only corrupt the response. */
const HOST_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive']);

/** The 204/205/304 statuses cannot carry a body (fetch's "null body status"). */
const NULL_BODY = new Set([204, 205, 304]);

interface WireResponse {
  status: number;
  /** Lower-case names and values in order; a repeated name is repeated (one header line each). */
  headers: [string, string][];
  /** A string body is written as UTF-8 together with the head, in one write. */
  body: Buffer | string;
}

function addHeaders(h: HttpResponseInit['headers'], into: [string, string][]): void {
  if (h instanceof Headers) fromHeaders(h, into);
  else if (Array.isArray(h)) for (const [name, value] of h) into.push([name.toLowerCase(), String(value)]);
  else if (h) for (const name in h) into.push([name.toLowerCase(), String(h[name])]);
}

function cookieHeader(c: Cookie): string {
  const parts = [`${c.name}=${c.value}`];
  if (c.domain) parts.push(`Domain=${c.domain}`);
  if (c.path) parts.push(`Path=${c.path}`);
  if (c.expires !== undefined) parts.push(`Expires=${new Date(c.expires).toUTCString()}`);
  if (c.maxAge !== undefined) parts.push(`Max-Age=${c.maxAge}`);
  if (c.secure) parts.push('Secure');
  if (c.httpOnly) parts.push('HttpOnly');
  if (c.sameSite) parts.push(`SameSite=${c.sameSite}`);
  return parts.join('; ');
}

function fromHeaders(h: Headers, into: [string, string][]): void {
  for (const [name, value] of h.entries()) if (name !== 'set-cookie') into.push([name, value]);
  for (const c of h.getSetCookie()) into.push(['set-cookie', c]);
}

/** Read from an HttpResponse, which has already applied fetch's rules for body and content type. */
async function fromHttpResponse(res: HttpResponse): Promise<WireResponse> {
  const headers: [string, string][] = [];
  fromHeaders(res.headers, headers);
  for (const c of res.cookies) headers.push(['set-cookie', cookieHeader(c)]);
  return { status: res.status, headers, body: Buffer.from(await res.arrayBuffer()) };
}

function hasHeader(headers: [string, string][], name: string): boolean {
  for (const [n] of headers) if (n === name) return true;
  return false;
}

/**
 * A plain HttpResponseInit. The common bodies (JSON, string, bytes) are encoded here directly, with the
 * same content types fetch's Response would give them; anything else (streams, Blob, FormData...) goes
 * through HttpResponse exactly as the Functions worker does.
 */
function fromInit(init: HttpResponseInit): WireResponse | Promise<WireResponse> {
  const body = init.body;
  const hasJson = init.jsonBody !== undefined && init.jsonBody !== null;
  const simple =
    hasJson ||
    body === undefined ||
    body === null ||
    typeof body === 'string' ||
    ArrayBuffer.isView(body) ||
    body instanceof ArrayBuffer;
  if (!simple) return fromHttpResponse(new HttpResponseClass(init));

  const headers: [string, string][] = [];
  addHeaders(init.headers, headers);
  if (init.cookies) for (const c of init.cookies) headers.push(['set-cookie', cookieHeader(c)]);

  let bytes: Buffer | string;
  let defaultType: string | undefined;
  if (hasJson) {
    bytes = JSON.stringify(init.jsonBody);
    defaultType = 'application/json';
  } else if (typeof body === 'string') {
    bytes = body;
    defaultType = 'text/plain;charset=UTF-8';
  } else if (body instanceof ArrayBuffer) {
    bytes = Buffer.from(body);
  } else if (ArrayBuffer.isView(body)) {
    bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  } else {
    bytes = '';
  }
  if (defaultType && !hasHeader(headers, 'content-type')) headers.push(['content-type', defaultType]);
  return { status: init.status ?? 200, headers, body: bytes };
}

/** Writes whatever a handler returned (HttpResponse, HttpResponseInit, or nothing) to the client. */
export async function writeHandlerResult(
  res: ServerResponse,
  result: HttpResponseInit | HttpResponse | undefined | null,
  head: boolean,
): Promise<void> {
  if (result === undefined || result === null) {
    res.writeHead(204).end();
    return;
  }
  const pending =
    result instanceof HttpResponseClass ? fromHttpResponse(result) : fromInit(result as HttpResponseInit);
  const wire = pending instanceof Promise ? await pending : pending;
  const noBody = NULL_BODY.has(wire.status);
  // One flat [name, value, ...] list: writeHead takes it as is, without a header object to build and check twice.
  const flat: string[] = [];
  for (const [name, value] of wire.headers) {
    if (HOST_HEADERS.has(name) || (noBody && name === 'content-type')) continue;
    flat.push(name, value);
  }
  if (noBody) {
    res.writeHead(wire.status, flat).end();
    return;
  }
  const length = typeof wire.body === 'string' ? Buffer.byteLength(wire.body) : wire.body.length;
  flat.push('content-length', String(length));
  res.writeHead(wire.status, flat);
  // A string goes out in the same write as the head; a Buffer would be a second one (writev).
  res.end(head ? undefined : wire.body);
}

/** The host's own errors (no route, wrong method, body too large, handler threw), shaped like the app's. */
export function writeHostError(
  res: ServerResponse,
  status: number,
  code: string,
  error: string,
  extraHeaders: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = Buffer.from(JSON.stringify({ error, code }));
  res.writeHead(status, {
    ...extraHeaders,
    'content-type': 'application/json',
    'content-length': body.length,
  });
  res.end(body);
}
