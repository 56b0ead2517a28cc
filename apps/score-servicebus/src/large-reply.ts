import type { ServiceBusMessage } from '@azure/service-bus';
import type { AnswerBlobs } from './answer-blobs.js';
import type { Reply } from './replies.js';

/** The answer a reply carries, as the bytes it would be written as and their media type. */
function answerBytes(reply: Reply): { bytes: Buffer; contentType: string; extension: string } {
  const { image, body } = reply.content;
  if (image)
    return {
      bytes: image.body,
      contentType: image.contentType,
      extension: image.contentType === 'image/webp' ? 'webp' : 'png',
    };
  return { bytes: Buffer.from(JSON.stringify(body)), contentType: 'application/json', extension: 'json' };
}

function jsonMessage(
  reply: Reply,
  properties: Record<string, string | number>,
  body: Record<string, unknown>,
): ServiceBusMessage {
  return {
    correlationId: reply.message.correlationId,
    contentType: 'application/json',
    applicationProperties: { ...properties, ...reply.trace },
    body,
  };
}

/**
 * A reply too large for a message on its queue (`limit`, the queue's max message size): the answer is
 * written to `container` as `<id>.png|webp|json`, with its media type, and the reply says where, as the
 * Storage Queue app does over 64 KiB; JSON, with `status`, `model`, `version` and `cache` as application
 * properties too. Without storage (only outside Azure) the reply is an error, RESPONSE_TOO_LARGE, saying
 * the sizes and what to ask for instead; the request is answered either way, never dead-lettered for it.
 */
export async function replyInPlaceOf(
  reply: Reply,
  limit: number,
  blobs: AnswerBlobs | undefined,
  container: string,
): Promise<Reply> {
  const { bytes, contentType, extension } = answerBytes(reply);
  const { correlationId, model, version, cache, image } = reply.content.body as Record<string, unknown>;
  if (!blobs) {
    const code = 'RESPONSE_TOO_LARGE';
    const error =
      `the answer (${bytes.length} bytes of ${contentType}) is larger than a message on queue ` +
      `${reply.queue} may be (${limit} bytes), and no storage is configured for large answers ` +
      '(AzureWebJobsStorage): ask for less (application property outputs, or accept image/webp or ' +
      'application/json), send a smaller image, or use the blob trigger, which writes any size';
    return {
      ...reply,
      message: jsonMessage(reply, { status: 'error', code }, { correlationId, error, code }),
    };
  }
  const name = `${reply.id}.${extension}`;
  const url = await blobs.write(container, name, bytes, contentType);
  // Only what the answer has: a property may not be undefined.
  const said = Object.fromEntries(
    Object.entries({ model, version, cache }).filter(([, v]) => typeof v === 'string'),
  ) as Record<string, string>;
  const properties = { ...reply.content.properties, ...said };
  const answerBlob = { container, name, url, contentType, bytes: bytes.length };
  const body = {
    status: reply.content.properties.status,
    correlationId,
    ...said,
    ...(image ? { image } : {}),
    answerBlob,
  };
  return { ...reply, message: jsonMessage(reply, properties, body) };
}
