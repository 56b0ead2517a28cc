import type { BlobServiceClient } from '@azure/storage-blob';
import { replyContent, type Failure, type ScoreResult } from '@modelfn/functions';
import { writeAnswerBlob } from './answer-blob.js';
import type { MessageMeta } from './message-meta.js';

/** Azure Storage's limit on one queue message as stored (here base64 text). */
export const MAX_QUEUE_MESSAGE_BYTES = 64 * 1024;

export interface ReplyRoute {
  /** Where a message without `replyTo` is answered. */
  replyQueue: string;
  answerContainer: string;
  /** Default: MAX_QUEUE_MESSAGE_BYTES. */
  maxMessageBytes?: number;
  send(queue: string, text: string): Promise<void>;
  blobService(): BlobServiceClient;
}

/**
 * What a reply says, as JSON: a queue message has no properties, so `status` (and `code`) are in it. An
 * image answer is in it as the request's bytes are, `base64` and `contentType` (`image` says what it is).
 */
export function replyBody(outcome: ScoreResult | Failure, correlationId: string | undefined) {
  const { properties, body, image } = replyContent(outcome, correlationId);
  const bytes = image ? { contentType: image.contentType, base64: image.body.toString('base64') } : {};
  return { ...properties, ...body, ...bytes };
}

const toMessage = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');

/**
 * Answers one message at its `replyTo` (default: the app's reply queue). An answer over the message limit
 * is written to a blob named for the message, and the reply carries its address.
 */
export async function sendReply(
  meta: MessageMeta,
  outcome: ScoreResult | Failure,
  route: ReplyRoute,
): Promise<{ queue: string; blob?: string; status: string }> {
  const queue = meta.replyTo ?? route.replyQueue;
  const body = replyBody(outcome, meta.correlationId);
  const text = toMessage(body);
  if (text.length <= (route.maxMessageBytes ?? MAX_QUEUE_MESSAGE_BYTES)) {
    await route.send(queue, text);
    return { queue, status: body.status };
  }
  // An image too large for a message is written as the image it is; any other answer as its JSON.
  const { base64, contentType, ...rest } = body as typeof body & { base64?: string; contentType?: string };
  const image = base64 !== undefined && contentType !== undefined;
  const id = meta.messageId ?? meta.correlationId ?? crypto.randomUUID();
  const name = image ? `${id}.${contentType === 'image/webp' ? 'webp' : 'png'}` : `${id}.json`;
  const url = await writeAnswerBlob(
    route.blobService(),
    route.answerContainer,
    name,
    image ? Buffer.from(base64, 'base64') : JSON.stringify(body),
    image ? contentType : 'application/json',
  );
  const { model, version } = rest as { model?: unknown; version?: unknown };
  await route.send(
    queue,
    toMessage({
      status: body.status,
      correlationId: meta.correlationId,
      model,
      version,
      ...(image ? { image: (rest as { image?: unknown }).image } : {}),
      answerBlob: { container: route.answerContainer, name, url, ...(image ? { contentType } : {}) },
    }),
  );
  return { queue, blob: name, status: body.status };
}
