import type { BlobClient } from '@azure/storage-blob';

/** Listings give ETags bare, response headers quoted: compare bare, send quoted. */
export const bareEtag = (etag: string) => etag.replace(/^(W\/)?"(.*)"$/, '$2');
export const quotedEtag = (etag: string) => `"${etag}"`;

export interface BlobVersion {
  bytes: Buffer;
  /** As the Functions host passes them in triggerMetadata (camelCase BlobProperties). */
  properties: Record<string, unknown>;
  metadata: Record<string, string>;
}

async function readAll(stream: NodeJS.ReadableStream | undefined): Promise<Buffer> {
  if (!stream) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

/**
 * Reads exactly the listed version of a blob (one GET, If-Match), or undefined when it was deleted or
 * overwritten since the listing: the next scan then sees the current version, if any.
 */
export async function readBlobVersion(blob: BlobClient, etag: string): Promise<BlobVersion | undefined> {
  try {
    const res = await blob.download(0, undefined, { conditions: { ifMatch: quotedEtag(etag) } });
    const bytes = await readAll(res.readableStreamBody);
    return {
      bytes,
      properties: {
        contentType: res.contentType,
        contentEncoding: res.contentEncoding,
        contentLanguage: res.contentLanguage,
        length: res.contentLength,
        eTag: res.etag,
        lastModified: res.lastModified,
        created: res.createdOn,
        blobType: res.blobType,
      },
      metadata: res.metadata ?? {},
    };
  } catch (e) {
    const status = (e as { statusCode?: number } | undefined)?.statusCode;
    if (status === 404 || status === 412) return undefined;
    throw e;
  }
}
