import type { IncomingMessage } from 'node:http';

export type BodyResult =
  | { kind: 'ok'; body: Buffer }
  /** `drained`: the rest is being read and dropped, so the connection can stay open for the answer. */
  | { kind: 'too-large'; bytes: number | undefined; drained: boolean };

/**
 * After a 413 the rest of an oversized body is read and dropped so the connection can carry the next request;
 * past this many bytes it is cheaper to drop the connection than to keep reading.
 */
const DISCARD_LIMIT = 64 * 1024 * 1024;

/** The declared Content-Length, or undefined when the body is chunked (or the header is garbage). */
export function declaredLength(req: IncomingMessage): number | undefined {
  const raw = req.headers['content-length'];
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  return Number(raw);
}

/**
 * Buffers a request body up to `maxBytes`. Beyond that it stops buffering at once (so an oversized upload
 * never sits in memory) and reports `too-large`; the remainder is drained in the background.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<BodyResult> {
  const declared = declaredLength(req);
  if (declared !== undefined && declared > maxBytes) {
    discard(req, 0);
    return Promise.resolve({ kind: 'too-large', bytes: declared, drained: declared <= DISCARD_LIMIT });
  }
  if (declared === 0) {
    req.resume();
    return Promise.resolve({ kind: 'ok', body: Buffer.alloc(0) });
  }
  // The listeners are inline arrows, not named consts: under tsx (npm start) every named function made per
  // request gets its name set with defineProperty, which cost more here than reading the body.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let settled = false;
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      total += chunk.length;
      if (total > maxBytes) {
        settled = true;
        chunks.length = 0;
        discard(req, total);
        resolve({
          kind: 'too-large',
          bytes: declared,
          drained: declared === undefined || declared <= DISCARD_LIMIT,
        });
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (settled) return;
      settled = true;
      resolve({ kind: 'ok', body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total) });
    });
    req.on('error', (e: Error) => {
      if (settled) return;
      settled = true;
      reject(e);
    });
    req.on('aborted', () => {
      if (settled) return;
      settled = true;
      reject(new Error('the client aborted the request'));
    });
  });
}

function discard(req: IncomingMessage, alreadyRead: number): void {
  let dropped = alreadyRead;
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > DISCARD_LIMIT) req.socket.destroy();
  });
  req.on('error', () => undefined);
  req.resume();
}
