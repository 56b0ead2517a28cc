import { imageAnswerOf, type TriggerRequest } from '@modelfn/functions';
import { outputNamesOf, parseModelRef, ScoringError } from '@modelfn/scoring';
import { QUEUE_NAME, type MessageMeta } from './message-meta.js';

/** Envelope fields: addressing and the bytes' description, never part of what the model is given. */
const ENVELOPE = new Set(['model', 'correlationId', 'replyTo', 'contentType', 'base64', 'accept']);
const BASE64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

function invalid(message: string): never {
  throw new ScoringError('INVALID_INPUT', message);
}

/**
 * A message as the Functions host delivers it — JSON already parsed to an object, or text — in the one
 * envelope this app reads: `{"data": ...}` or v2 `{"inputs": ...}`, or `{"base64": ..., "contentType":
 * "image/png"}` for bytes (a queue message is text), each with an optional `model` ("name[:version]").
 */
export function messageRequest(entry: unknown, meta: MessageMeta): TriggerRequest {
  if (entry === undefined || entry === null || (typeof entry === 'string' && entry.trim() === ''))
    invalid(
      'the message is empty; send {"data": [[...]]}, v2 "inputs", or {"base64": ..., "contentType": ...}',
    );
  if (typeof entry === 'string' || Buffer.isBuffer(entry)) {
    // The host hands over text it could not parse as JSON; the core says why it is not.
    return {
      trigger: 'queue',
      payload: { body: Buffer.from(entry), contentType: 'application/json' },
      properties: { messageId: meta.messageId, correlationId: meta.correlationId },
    };
  }
  if (typeof entry !== 'object' || Array.isArray(entry))
    invalid('the message must be a JSON object: {"data": ...}, {"inputs": ...} or {"base64": ...}');
  const body = entry as Record<string, unknown>;
  if (body.replyTo !== undefined && (typeof body.replyTo !== 'string' || !QUEUE_NAME.test(body.replyTo)))
    invalid('"replyTo" must be a queue name (3-63 lowercase letters, digits and single hyphens)');
  // A queue message has no properties: `outputs` ("a,b" or a list of names) is an envelope field beside
  // `model`. A list of objects is a v2 body's own `outputs` ({"name", "parameters"}) and stays in the body.
  const selects =
    typeof body.outputs === 'string' ||
    (Array.isArray(body.outputs) && body.outputs.every((o) => typeof o === 'string'));
  const ref = {
    ...parseModelRef(body.model, '"model"'),
    ...(selects ? { outputs: outputNamesOf(body.outputs) } : {}),
    // A model with postprocessing.image is answered an image, unless the field `accept` says otherwise.
    image: imageAnswerOf(body.accept, { required: false }),
  };
  const contentType = typeof body.contentType === 'string' ? body.contentType : undefined;
  const properties = {
    messageId: meta.messageId,
    correlationId: meta.correlationId,
    dequeueCount: meta.dequeueCount,
    ...(contentType ? { contentType } : {}),
  };
  if (body.base64 !== undefined) {
    if (typeof body.base64 !== 'string' || !BASE64.test(body.base64))
      invalid('"base64" must be a base64 string');
    if (!contentType) invalid('"base64" needs a "contentType", e.g. "image/png"');
    const bytes = Buffer.from(body.base64, 'base64');
    return { trigger: 'queue', ...ref, payload: { body: bytes, contentType }, properties };
  }
  const request = Object.fromEntries(
    Object.entries(body).filter(([k]) => !ENVELOPE.has(k) && !(selects && k === 'outputs')),
  );
  if (Object.keys(request).length === 0)
    invalid('the message has no request; send "data", v2 "inputs", or "base64" with a "contentType"');
  return { trigger: 'queue', ...ref, payload: { object: request }, properties };
}
