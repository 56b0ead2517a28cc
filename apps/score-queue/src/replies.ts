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

/** What a reply says, as JSON: a queue message has no properties, so `status` (and `code`) are in it. */
export function replyBody(outcome: ScoreResult | Failure, correlationId: string | undefined) {
  const { properties, body } = replyContent(outcome, correlationId);
  return { ...properties, ...body };
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
  const name = `${meta.messageId ?? meta.correlationId ?? crypto.randomUUID()}.json`;
  const url = await writeAnswerBlob(route.blobService(), route.answerContainer, name, JSON.stringify(body));
  const { model, version } = body as { model?: unknown; version?: unknown };
  await route.send(
    queue,
    toMessage({
      status: body.status,
      correlationId: meta.correlationId,
      model,
      version,
      answerBlob: { container: route.answerContainer, name, url },
    }),
  );
  return { queue, blob: name, status: body.status };
}
