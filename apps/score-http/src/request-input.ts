import type { HttpRequest } from '@azure/functions';
import { checkPayloadSize, parseModelRef, ScoringError, type ModelRef } from '@modelfn/scoring';

/**
 * The body as bytes, refused with 413 as soon as it is known to be over `maxBytes`: from Content-Length
 * before reading anything, else while a chunked body streams in.
 */
export async function readBody(request: HttpRequest, maxBytes: number): Promise<Buffer> {
  const declared = request.headers.get('content-length');
  if (declared !== null && /^\d+$/.test(declared)) {
    checkPayloadSize(Number(declared), { maxRequestBytes: maxBytes });
    return Buffer.from(await request.arrayBuffer());
  }
  if (!request.body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of request.body as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength;
    checkPayloadSize(total, { maxRequestBytes: maxBytes });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/** `x-model: name[:version]`; absent means the repository's default model, newest ready version. */
export function modelFromHeader(value: string | null): ModelRef {
  return parseModelRef(value ?? undefined, 'header x-model');
}

const TRUE = ['', 'true', '1', 'yes'];
const FALSE = ['false', '0', 'no'];

/** A boolean query flag: `?probabilities`, `?probabilities=true|1|yes`, or `false|0|no`. */
export function queryFlag(request: HttpRequest, name: string): boolean {
  const raw = request.query.get(name);
  if (raw === null) return false;
  const v = raw.trim().toLowerCase();
  if (TRUE.includes(v)) return true;
  if (FALSE.includes(v)) return false;
  throw new ScoringError('INVALID_INPUT', `query parameter ${name}=${raw} must be true or false`);
}

/** `Cache-Control: no-cache` (or no-store) asks for an answer from the model, not from the cache. */
export function wantsCacheBypass(request: HttpRequest): boolean {
  const cc = request.headers.get('cache-control');
  return cc !== null && /\bno-(cache|store)\b/i.test(cc);
}

/** The binary tensor extension's header, as a number (the scoring core validates its range). */
export function inferenceHeaderLength(request: HttpRequest): number | undefined {
  const raw = request.headers.get('inference-header-content-length');
  if (raw === null) return undefined;
  if (!/^\s*\d+\s*$/.test(raw)) {
    throw new ScoringError('INVALID_INPUT', `Inference-Header-Content-Length "${raw}" must be a byte count`);
  }
  return Number(raw);
}
