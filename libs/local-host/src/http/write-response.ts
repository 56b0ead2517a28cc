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
  headers: Map<string, string[]>;
  body: Buffer;
}

function addHeader(headers: Map<string, string[]>, name: string, value: string): void {
  const key = name.toLowerCase();
  const values = headers.get(key);
  if (values) values.push(value);
  else headers.set(key, [value]);
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

function fromHeaders(h: Headers, into: Map<string, string[]>): void {
  for (const [name, value] of h.entries()) if (name !== 'set-cookie') addHeader(into, name, value);
  for (const c of h.getSetCookie()) addHeader(into, 'set-cookie', c);
}

/** Read from an HttpResponse, which has already applied fetch's rules for body and content type. */
async function fromHttpResponse(res: HttpResponse): Promise<WireResponse> {
  const headers = new Map<string, string[]>();
  fromHeaders(res.headers, headers);
  for (const c of res.cookies) addHeader(headers, 'set-cookie', cookieHeader(c));
  return { status: res.status, headers, body: Buffer.from(await res.arrayBuffer()) };
}

/**
 * A plain HttpResponseInit. The common bodies (JSON, string, bytes) are encoded here directly, with the
 * same content types fetch's Response would give them; anything else (streams, Blob, FormData...) goes
 * through HttpResponse exactly as the Functions worker does.
 */
async function fromInit(init: HttpResponseInit): Promise<WireResponse> {
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

  const headers = new Map<string, string[]>();
  const h = init.headers;
  if (h instanceof Headers) fromHeaders(h, headers);
  else if (Array.isArray(h)) for (const [name, value] of h) addHeader(headers, name, String(value));
  else if (h) for (const [name, value] of Object.entries(h)) addHeader(headers, name, String(value));
  for (const c of init.cookies ?? []) addHeader(headers, 'set-cookie', cookieHeader(c));

  let bytes: Buffer;
  let defaultType: string | undefined;
  if (hasJson) {
    bytes = Buffer.from(JSON.stringify(init.jsonBody));
    defaultType = 'application/json';
  } else if (typeof body === 'string') {
    bytes = Buffer.from(body);
    defaultType = 'text/plain;charset=UTF-8';
  } else if (body instanceof ArrayBuffer) {
    bytes = Buffer.from(body);
  } else if (ArrayBuffer.isView(body)) {
    bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  } else {
    bytes = Buffer.alloc(0);
  }
  if (defaultType && !headers.has('content-type')) headers.set('content-type', [defaultType]);
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
  const wire =
    result instanceof HttpResponseClass
      ? await fromHttpResponse(result)
      : await fromInit(result as HttpResponseInit);
  const noBody = NULL_BODY.has(wire.status);
  for (const [name, values] of wire.headers) {
    if (HOST_HEADERS.has(name) || (noBody && name === 'content-type')) continue;
    res.setHeader(name, values.length === 1 ? values[0] : values);
  }
  if (noBody) {
    res.writeHead(wire.status).end();
    return;
  }
  res.setHeader('content-length', wire.body.length);
  res.writeHead(wire.status);
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
