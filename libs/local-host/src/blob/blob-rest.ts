import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { BearerToken } from './bearer-token.js';
import { storageRequestHeaders } from './shared-key.js';
import type { StorageAccount } from './storage-account.js';

const TIMEOUT_MS = 30_000;

/** A storage request that got an error status; `statusCode` as on the SDK's RestError. */
export class BlobRestError extends Error {
  constructor(
    readonly statusCode: number,
    readonly errorCode: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'BlobRestError';
  }
}

export interface BlobRestResponse {
  headers: IncomingHttpHeaders;
  /** x-ms-meta-* headers, names as the service sent them (Node lowercases `headers`). */
  metadata: Record<string, string>;
  body: Buffer;
}

/** `a b/c?` → `a%20b/c%3F`: each path segment encoded, the slashes kept. */
function blobPath(container: string, blob: string): string {
  return `/${encodeURIComponent(container)}/${blob.split('/').map(encodeURIComponent).join('/')}`;
}

/**
 * The calls a blob costs on every trigger: read it, write its output, append its receipt. Over node:http
 * with one keep-alive agent rather than the SDK, whose request pipeline (policies, tracing, serializers)
 * cost 740 µs of CPU per download and 400 µs per upload against 160-170 µs here: with the SDK, a blob's
 * read and result write took more CPU than decoding and scoring the image. Transient failures are not
 * retried here: the blob source retries the whole invocation, as it does for any other failure. The SDK
 * still does everything else (listing, containers, loading receipts): calls made once per scan, per
 * container or per start.
 */
export class BlobRest {
  private readonly agent: http.Agent;
  private readonly transport: typeof http | typeof https;
  private readonly bearer: BearerToken | undefined;

  constructor(private readonly account: StorageAccount) {
    this.bearer = account.credential && new BearerToken(account.credential);
    const secure = account.blobEndpoint.startsWith('https:');
    this.transport = secure ? https : http;
    this.agent = secure ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  }

  /** The blob's URL (as the SDK's `BlobClient.url`, without a SAS). */
  url(container: string, blob: string): string {
    return this.account.blobEndpoint + blobPath(container, blob);
  }

  /** GET the blob; with `ifMatch`, only that version (412 otherwise). */
  get(container: string, blob: string, ifMatch?: string): Promise<BlobRestResponse> {
    return this.request('GET', container, blob, ifMatch ? { 'if-match': ifMatch } : {});
  }

  /** PUT a block blob in one request, replacing any blob of that name. */
  async put(container: string, blob: string, body: Buffer, contentType: string): Promise<void> {
    await this.request(
      'PUT',
      container,
      blob,
      { 'x-ms-blob-type': 'BlockBlob', 'x-ms-blob-content-type': contentType, 'content-type': contentType },
      body,
    );
  }

  /**
   * PUT an empty block blob carrying `metadata`, only if the condition holds (`ifNoneMatch: '*'`: only if
   * there is no such blob; `ifMatch`: only over that version). Resolves to the new ETag; a failed condition
   * rejects with a BlobRestError of status 409 or 412.
   */
  async putMetadataIf(
    container: string,
    blob: string,
    metadata: Record<string, string>,
    condition: { ifMatch: string } | { ifNoneMatch: '*' },
  ): Promise<string> {
    const headers: Record<string, string> = { 'x-ms-blob-type': 'BlockBlob' };
    for (const [k, v] of Object.entries(metadata)) headers[`x-ms-meta-${k}`] = v;
    if ('ifMatch' in condition) headers['if-match'] = condition.ifMatch;
    else headers['if-none-match'] = condition.ifNoneMatch;
    const res = await this.request('PUT', container, blob, headers, Buffer.alloc(0));
    return String(res.headers.etag ?? '');
  }

  /** Creates an empty append blob, replacing any blob of that name. */
  async createAppendBlob(container: string, blob: string, contentType: string): Promise<void> {
    await this.request('PUT', container, blob, {
      'x-ms-blob-type': 'AppendBlob',
      'x-ms-blob-content-type': contentType,
    });
  }

  /** Appends one block (at most 4 MiB with older service versions) to an append blob. */
  async appendBlock(container: string, blob: string, body: Buffer): Promise<void> {
    await this.request('PUT', container, blob, {}, body, { comp: 'appendblock' });
  }

  close(): void {
    this.agent.destroy();
  }

  private async request(
    method: string,
    container: string,
    blob: string,
    extra: Record<string, string>,
    body?: Buffer,
    query: Record<string, string> = {},
  ): Promise<BlobRestResponse> {
    const url = new URL(this.url(container, blob));
    if (this.account.sas) url.search = this.account.sas;
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const bearer = await this.bearer?.header();
    const headers = storageRequestHeaders(this.account, method, url, extra, body?.length ?? 0, bearer);
    return new Promise((resolve, reject) => {
      const req = this.transport.request(
        url,
        { method, headers, agent: this.agent, timeout: TIMEOUT_MS },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const data = Buffer.concat(chunks);
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) {
              resolve({ headers: res.headers, metadata: metadataOf(res.rawHeaders), body: data });
              return;
            }
            const code = headerText(res.headers['x-ms-error-code']);
            reject(
              new BlobRestError(
                status,
                code,
                `${method} ${url.pathname}: HTTP ${status}${code ? ` ${code}` : ''} ${data.toString('utf8').slice(0, 300)}`,
              ),
            );
          });
        },
      );
      req.on('timeout', () =>
        req.destroy(new Error(`${method} ${url.pathname}: no answer within ${TIMEOUT_MS} ms`)),
      );
      req.on('error', reject);
      req.end(body);
    });
  }
}

function headerText(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function metadataOf(raw: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i].length > 10 && raw[i].slice(0, 10).toLowerCase() === 'x-ms-meta-')
      out[raw[i].slice(10)] = raw[i + 1];
  }
  return out;
}
