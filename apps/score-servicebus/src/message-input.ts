import { ScoringError, parseJson, type Prepared, type Scorer } from '@modelfn/scoring';
import type { MessageMeta } from './message-meta.js';

/** `name[:version]` from the `model` application property, as `x-model` on HTTP. */
function modelRef(meta: MessageMeta): { model?: string; version?: string } {
  const ref = meta.applicationProperties?.model;
  if (ref === undefined) return {};
  if (typeof ref !== 'string' || ref === '') {
    throw new ScoringError('INVALID_INPUT', 'application property "model" must be "name" or "name:version"');
  }
  const [model, version] = ref.split(':');
  return { model, version };
}

/**
 * A message body as the Functions host delivers it: JSON already parsed to an object, a string, or bytes
 * (an image, float32 rows, or JSON text).
 */
export async function prepareMessage(scorer: Scorer, body: unknown, meta: MessageMeta): Promise<Prepared> {
  const ref = modelRef(meta);
  if (body === undefined || body === null || (typeof body === 'string' && body.trim() === '')) {
    throw new ScoringError(
      'INVALID_INPUT',
      'the message has no body; send {"data": [[...]]}, v2 "inputs", or image bytes',
    );
  }
  if (Buffer.isBuffer(body) || body instanceof Uint8Array) {
    const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    return scorer.prepareBody({ body: bytes, contentType: meta.contentType, ...ref });
  }
  if (typeof body === 'string') return scorer.prepareObject(parseJson(body), ref);
  if (typeof body === 'object') return scorer.prepareObject(body, ref);
  throw new ScoringError(
    'INVALID_INPUT',
    `the message body is a ${typeof body}; send a JSON object or image bytes`,
  );
}
