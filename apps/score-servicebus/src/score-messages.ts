import type { InvocationContext } from '@azure/functions';
import { reportFields, reportOutcome, reportScored } from '@modelfn/functions';
import { sharedScorer, toScoringError, type ManyItem, type Scorer } from '@modelfn/scoring';
import { inIncomingSpan } from '@modelfn/telemetry';
import { SpanKind } from '@opentelemetry/api';
import { messageItem } from './message-input.js';
import { messageMeta, type MessageMeta } from './message-meta.js';
import { entryReply, errorReply, resultReply, type Reply } from './replies.js';
import { sendReplies } from './reply-sender.js';
import { linkMessages } from './reply-trace.js';

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
  const metas = bodies.map((_, i) => messageMeta(context, many ? i : undefined));
  // The batch's span: a child of the host's in Azure; on the local host the invocation's CONSUMER span, in a
  // lone message's trace. Each reply then joins its message's trace.
  return inIncomingSpan(
    'ServiceBus batch',
    {
      carrier: metas.length === 1 ? metas[0].applicationProperties : undefined,
      attributes: { 'messaging.system': 'servicebus', 'messaging.batch.message_count': bodies.length },
      kind: SpanKind.CONSUMER,
      invocation: context,
    },
    (span) => {
      if (metas.length > 1) linkMessages(span, metas);
      return scoreBatch(bodies, metas, context, scorer);
    },
  );
}

async function scoreBatch(
  bodies: unknown[],
  metas: MessageMeta[],
  context: InvocationContext,
  scorer?: Scorer,
): Promise<void> {
  const s = scorer ?? (await sharedScorer());
  const replies: Reply[] = [];
  const items: (ManyItem | undefined)[] = bodies.map((body, i) => {
    try {
      return messageItem(body, metas[i]);
    } catch (e) {
      const err = toScoringError(e);
      context.warn(`message ${metas[i].messageId}: ${err.code} ${err.message}`);
      replies.push(errorReply(metas[i], err));
      return undefined;
    }
  });
  const valid = items.flatMap((item, i) => (item ? [{ item, i }] : []));
  const outcomes = await s.scoreMany(valid.map((v) => v.item));
  outcomes.forEach((o, j) => {
    const meta = metas[valid[j].i];
    if ('result' in o) {
      reportScored(context, o.result.model.name, o.result.cache);
      replies.push(resultReply(meta, o.result));
    } else if ('entry' in o) {
      reportScored(context, o.entry.model.name, o.entry.cache);
      replies.push(entryReply(meta, o.entry));
    } else {
      context.warn(`message ${meta.messageId}: ${o.error.code} ${o.error.message}`);
      replies.push(errorReply(meta, o.error));
    }
  });
  await sendReplies(replies);
  reportBatch(context, bodies.length, replies.length - countOk(replies));
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
