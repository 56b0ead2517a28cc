import { imageAnswerOf, type TriggerRequest } from '@modelfn/functions';
import { outputNamesOf, parseModelRef, ScoringError } from '@modelfn/scoring';
import type { MessageMeta } from './message-meta.js';

/**
 * A message body as the Functions host delivers it — JSON already parsed to an object, a string, or bytes
 * (an image, raw tensor bytes, or JSON text) — with the model named by the `model` application property.
 */
export function messageRequest(body: unknown, meta: MessageMeta): TriggerRequest {
  const ref = {
    trigger: 'servicebus' as const,
    ...parseModelRef(meta.applicationProperties?.model, 'application property "model"'),
    // Application property `outputs`: "a,b", the outputs to answer (as ?outputs= on /score).
    outputs: outputNamesOf(meta.applicationProperties?.outputs),
    // A model with postprocessing.image replies an image, unless the property `accept` says otherwise.
    image: imageAnswerOf(meta.applicationProperties?.accept, { required: false }),
    // What an entry script sees of the message besides its body.
    properties: {
      ...meta.applicationProperties,
      messageId: meta.messageId,
      correlationId: meta.correlationId,
      contentType: meta.contentType,
    },
  };
  if (body === undefined || body === null || (typeof body === 'string' && body.trim() === '')) {
    throw new ScoringError(
      'INVALID_INPUT',
      'the message has no body; send {"data": [[...]]}, v2 "inputs", or image bytes',
    );
  }
  if (Buffer.isBuffer(body) || body instanceof Uint8Array) {
    const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    return { payload: { body: bytes, contentType: meta.contentType }, ...ref };
  }
  if (typeof body === 'string')
    return { payload: { body: Buffer.from(body), contentType: 'application/json' }, ...ref };
  if (typeof body === 'object') return { payload: { object: body }, ...ref };
  throw new ScoringError(
    'INVALID_INPUT',
    `the message body is a ${typeof body}; send a JSON object or image bytes`,
  );
}
