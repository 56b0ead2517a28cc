import type { BlobRest } from './blob-rest.js';

/** Listings give ETags bare, response headers quoted: compare bare, send quoted. */
export const bareEtag = (etag: string) => etag.replace(/^(W\/)?"(.*)"$/, '$2');
export const quotedEtag = (etag: string) => `"${etag}"`;

export interface BlobVersion {
  bytes: Buffer;
  /** As the Functions host passes them in triggerMetadata (camelCase BlobProperties). */
  properties: Record<string, unknown>;
  metadata: Record<string, string>;
}

const dateOf = (v: string | string[] | undefined) => (typeof v === 'string' ? new Date(v) : undefined);

/**
 * Reads exactly the listed version of a blob (one GET, If-Match), or undefined when it was deleted or
 * overwritten since the listing: the next scan then sees the current version, if any.
 */
export async function readBlobVersion(
  rest: BlobRest,
  container: string,
  blobName: string,
  etag: string,
): Promise<BlobVersion | undefined> {
  try {
    const res = await rest.get(container, blobName, quotedEtag(etag));
    const h = res.headers;
    return {
      bytes: res.body,
      properties: {
        contentType: h['content-type'],
        contentEncoding: h['content-encoding'],
        contentLanguage: h['content-language'],
        length: h['content-length'] === undefined ? res.body.length : Number(h['content-length']),
        eTag: h.etag,
        lastModified: dateOf(h['last-modified']),
        created: dateOf(h['x-ms-creation-time']),
        blobType: h['x-ms-blob-type'],
      },
      metadata: res.metadata,
    };
  } catch (e) {
    const status = (e as { statusCode?: number } | undefined)?.statusCode;
    if (status === 404 || status === 412) return undefined;
    throw e;
  }
}
