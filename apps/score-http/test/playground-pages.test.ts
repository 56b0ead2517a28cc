import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { startHttpHost, type RunningHttpHost } from '@modelfn/local-host';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpFunctions, staticDir } from '../src/functions.js';
import { pickEncoding } from '../src/playground/asset-store.js';

// The pages and their files as the app serves them (on the local host; no model is needed for these).
let host: RunningHttpHost;

beforeAll(async () => {
  host = await startHttpHost({
    functions: createHttpFunctions({
      scorer: () => Promise.reject(new Error('the pages need no scorer')),
      authLevel: 'function',
    }),
    port: 0,
    routePrefix: '',
    logger: pino({ level: 'silent' }),
  });
});
afterAll(() => host.close());

/** The bytes as sent, in the encoding the server chose (fetch would decode them). */
function get(path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Headers; bytes: Buffer }>((resolve, reject) => {
    const req = request(
      `${host.url}${path}`,
      { headers: { 'accept-encoding': 'identity', ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h.set(k, v);
          resolve({ status: res.statusCode ?? 0, headers: h, bytes: Buffer.concat(chunks) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('playground pages', () => {
  it('serves the playground at / and Swagger UI at /docs, anonymous and with a strict CSP', async () => {
    for (const [path, file] of [
      ['/', 'index.html'],
      ['/docs', 'docs.html'],
    ]) {
      const r = await get(path);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(r.bytes.equals(readFileSync(join(staticDir, file)))).toBe(true);
      const csp = r.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("connect-src 'self'");
      expect(r.headers.get('cache-control')).toBe('no-cache');
    }
    const fns = createHttpFunctions({
      scorer: () => Promise.reject(new Error('unused')),
      authLevel: 'function',
    });
    const pages = fns.filter((f) => ['playground', 'docs', 'static'].includes(f.name));
    expect(pages.map((f) => f.options.authLevel)).toEqual(['anonymous', 'anonymous', 'anonymous']);
  });

  it('loads no script or style from anywhere but this server, and no inline script', () => {
    for (const file of ['index.html', 'docs.html']) {
      const html = readFileSync(join(staticDir, file), 'utf8');
      for (const [, url] of html.matchAll(/(?:src|href)="([^"]*)"/g)) expect(url).toMatch(/^(\/|data:,$)/);
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    }
  });

  it("serves the pages' scripts and Swagger UI's bundle, compressed as the client accepts", async () => {
    const bundle = readFileSync(
      join(import.meta.dirname, '../../../node_modules/swagger-ui-dist/swagger-ui-bundle.js'),
    );
    const br = await get('/static/swagger-ui/swagger-ui-bundle.js', {
      'accept-encoding': 'gzip, deflate, br',
    });
    expect(br.status).toBe(200);
    expect(br.headers.get('content-encoding')).toBe('br');
    expect(br.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(br.bytes.length).toBeLessThan(bundle.length / 3);
    expect(brotliDecompressSync(br.bytes).equals(bundle)).toBe(true);
    const gz = await get('/static/swagger-ui/swagger-ui.css', { 'accept-encoding': 'gzip' });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(gunzipSync(gz.bytes).toString()).toContain('.swagger-ui');
    const js = await get('/static/js/app.js');
    expect(js.headers.get('content-encoding')).toBeNull();
    expect(js.bytes.equals(readFileSync(join(staticDir, 'js/app.js')))).toBe(true);
    expect(js.headers.get('vary')).toBe('accept-encoding');
  });

  it('answers 304 to a request that already holds the current version', async () => {
    const first = await get('/static/playground.css');
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await get('/static/playground.css', { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.bytes.length).toBe(0);
    expect((await get('/static/playground.css', { 'if-none-match': '"stale"' })).status).toBe(200);
  });

  it('serves only the files in its list: unknown names and paths out of static/ are 404', async () => {
    for (const path of [
      '/static/nope.js',
      '/static/../package.json',
      '/static/%2e%2e/host.json',
      '/static/swagger-ui/index.html',
      '/static/tsconfig.json',
      '/static/js/',
    ]) {
      const r = await get(path);
      expect(r.status, path).toBe(404);
    }
    const r = await fetch(`${host.url}/static/swagger-ui/swagger-initializer.js`);
    expect(await r.json()).toMatchObject({ code: 'ASSET_NOT_FOUND' });
  });

  it('matches only the root for the playground: other paths stay 404', async () => {
    expect((await get('/nothing-here')).status).toBe(404);
    expect((await get('/docs/more')).status).toBe(404);
  });
});

describe('pickEncoding', () => {
  it('prefers br, then gzip, and honours q=0', () => {
    expect(pickEncoding('gzip, deflate, br')).toBe('br');
    expect(pickEncoding('gzip')).toBe('gzip');
    expect(pickEncoding('br;q=0, gzip;q=0.5')).toBe('gzip');
    expect(pickEncoding('*')).toBe('br');
    expect(pickEncoding('identity')).toBe('identity');
    expect(pickEncoding(null)).toBe('identity');
  });
});
