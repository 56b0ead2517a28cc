import type { InvocationContext } from '@azure/functions';
import {
  answeredBy,
  answerPermanent,
  reportFields,
  reportOutcome,
  reportScored,
  scoreRequest,
  type Failure,
  type ScoreResult,
} from '@modelfn/functions';
import type { Scorer } from '@modelfn/scoring';
import { messageRequest } from './message-input.js';
import { messageMeta } from './message-meta.js';
import { sendReply, type ReplyRoute } from './replies.js';

/**
 * Scores one queue message and answers it. A request that can never succeed gets an error reply and the
 * function returns, so the host deletes the message; a transient failure throws, so the host makes it
 * visible again and, after maxDequeueCount tries, moves it to `<queue>-poison`.
 */
export function scoreMessageHandler(scorer: () => Promise<Scorer>, route: () => ReplyRoute) {
  return async (entry: unknown, context: InvocationContext): Promise<void> => {
    const meta = messageMeta(entry, context);
    let outcome: ScoreResult | Failure;
    try {
      outcome = await scoreRequest(await scorer(), messageRequest(entry, meta));
      const { model, version, cache } = answeredBy(outcome);
      reportScored(context, model, cache, version);
    } catch (e) {
      const failure = answerPermanent(e);
      context.warn(`message ${meta.messageId}: ${failure.error.code} ${failure.error.message}`);
      reportOutcome(context, 'rejected', `${failure.error.code} ${failure.error.message}`);
      outcome = failure;
    }
    const sent = await sendReply(meta, outcome, route());
    reportFields(
      context,
      sent.blob ? { replyTo: sent.queue, answerBlob: sent.blob } : { replyTo: sent.queue },
    );
  };
}
