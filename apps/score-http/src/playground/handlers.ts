import type { HttpRequest } from '@azure/functions';
import type { ScopedHandler } from '../request-scope.js';
import { json, type AppResponse, type HeaderMap } from '../respond.js';
import { pickEncoding, type AssetStore } from './asset-store.js';

/**
 * The pages load only our own files (no CDN), run no inline script and hold no secret: a function key
 * comes from the page's address or a form field at run time. Swagger UI styles its elements inline.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** HTML is revalidated on every load (its ETag makes that a 304); scripts and styles for five minutes. */
const HTML_CACHE = 'no-cache';
const ASSET_CACHE = 'public, max-age=300';

/** The store is built on the first request for a page, so an app without pages starts all the same. */
export type SiteSource = () => AssetStore;

async function serve(site: SiteSource, name: string, request: HttpRequest): Promise<AppResponse> {
  const pending = site().get(name);
  if (!pending) {
    return json(404, { error: `no file ${name} is served here`, code: 'ASSET_NOT_FOUND' });
  }
  const asset = await pending;
  const html = asset.type.startsWith('text/html');
  const headers: HeaderMap = {
    'content-type': asset.type,
    etag: asset.etag,
    'cache-control': html ? HTML_CACHE : ASSET_CACHE,
    vary: 'accept-encoding',
    'x-content-type-options': 'nosniff',
  };
  if (html) {
    headers['content-security-policy'] = CONTENT_SECURITY_POLICY;
    headers['referrer-policy'] = 'no-referrer';
  }
  const ifNoneMatch = request.headers.get('if-none-match');
  if (ifNoneMatch !== null && ifNoneMatch.split(',').some((t) => t.trim() === asset.etag)) {
    return { status: 304, headers };
  }
  const encoding = pickEncoding(request.headers.get('accept-encoding'));
  const body = asset.encoded(encoding);
  if (body !== asset.bytes) headers['content-encoding'] = encoding;
  return { status: 200, body, headers };
}

/** A fixed page: `/` is the playground, `/docs` Swagger UI. */
export function pageHandler(site: SiteSource, file: string): ScopedHandler {
  return (request) => serve(site, file, request);
}

/** `GET /static/{*path}`: the pages' scripts, styles and Swagger UI's bundle. */
export function assetHandler(site: SiteSource): ScopedHandler {
  return (request) => serve(site, request.params.path ?? '', request);
}
