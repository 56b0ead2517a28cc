import type { InvocationContext } from '@azure/functions';
import {
  answeredBy,
  answerPermanent,
  reportFields,
  reportOutcome,
  reportScored,
  scoreRequests,
  type Failure,
  type TriggerRequest,
} from '@modelfn/functions';
import { sharedScorer, type Scorer } from '@modelfn/scoring';
import { answerBlobs } from './answer-blobs.js';
import { replyInPlaceOf } from './large-reply.js';
import { messageRequest } from './message-input.js';
import { messageMeta, type MessageMeta } from './message-meta.js';
import { replyTo, type Reply } from './replies.js';
import { sendReplies } from './reply-sender.js';
import { sbSettings } from './settings.js';

/**
 * Scores a batch of messages (the core runs one inference per model version): invalid messages get an
 * error reply and are completed; a transient failure throws, so the host abandons the batch and the
 * broker retries it (dead-lettering after maxDeliveryCount).
 */
export async function scoreMessages(
  bodies: unknown[],
  context: InvocationContext,
  many: boolean,
  scorer?: Scorer,
): Promise<void> {
  // The invocation's span (observeInvocation, in functions.ts) is around this: each reply's send span then
  // joins its own message's trace (reply-trace.ts).
  const metas = bodies.map((_, i) => messageMeta(context, many ? i : undefined));
  const s = scorer ?? (await sharedScorer());
  const replies: Reply[] = [];
  const rejected = (meta: MessageMeta, failure: Failure) => {
    context.warn(`message ${meta.messageId}: ${failure.error.code} ${failure.error.message}`);
    replies.push(replyTo(meta, failure));
  };
  const requests: { req: TriggerRequest; meta: MessageMeta }[] = [];
  bodies.forEach((body, i) => {
    try {
      requests.push({ req: messageRequest(body, metas[i]), meta: metas[i] });
    } catch (e) {
      rejected(metas[i], answerPermanent(e));
    }
  });
  const outcomes = await scoreRequests(
    s,
    requests.map(({ req }) => req),
  );
  outcomes.forEach((outcome, j) => {
    const { meta } = requests[j];
    if ('error' in outcome) return rejected(meta, outcome);
    const { model, version, cache } = answeredBy(outcome);
    reportScored(context, model, cache, version);
    replies.push(replyTo(meta, outcome));
  });
  // A reply over the reply queue's max message size is sent another way (large-reply.ts).
  let refusedForSize = 0;
  await sendReplies(replies, async (reply, limit) => {
    const instead = await replyInPlaceOf(reply, limit, answerBlobs(), sbSettings.answerContainer);
    const blob = (instead.message.body as { answerBlob?: { name: string } }).answerBlob;
    if (blob) context.log(`message ${reply.id}: the answer is over ${limit} bytes, written to ${blob.name}`);
    else {
      context.warn(`message ${reply.id}: RESPONSE_TOO_LARGE, over ${limit} bytes and no storage for it`);
      refusedForSize++;
    }
    return instead;
  });
  reportBatch(context, bodies.length, replies.length - countOk(replies) + refusedForSize);
}

const countOk = (replies: Reply[]) =>
  replies.filter((r) => r.message.applicationProperties?.status === 'ok').length;

/**
 * For the invocation's log line and metrics: a batch is `rejected` only when every message got an error
 * reply; otherwise `ok`, with the number of error replies in the log line.
 */
function reportBatch(context: InvocationContext, messages: number, rejected: number): void {
  reportFields(context, rejected > 0 ? { messages, rejected } : { messages });
  if (rejected > 0 && rejected === messages)
    reportOutcome(context, 'rejected', `all ${messages} message(s) got an error reply`);
}
