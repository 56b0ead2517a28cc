import type { InvocationContext } from '@azure/functions';
import {
  concatRows,
  sharedScorer,
  sliceRows,
  toScoringError,
  type Prepared,
  type Scorer,
} from '@modelfn/scoring';
import { prepareMessage } from './message-input.js';
import { messageMeta, type MessageMeta } from './message-meta.js';
import { errorReply, resultReply, type Reply } from './replies.js';
import { sendReplies } from './reply-sender.js';

interface Item {
  meta: MessageMeta;
  prepared?: Prepared;
}

/**
 * Scores a batch of messages with one inference per model version: invalid messages get an error reply and
 * are completed; a transient failure throws, so the host abandons the batch and the broker retries it
 * (dead-lettering after maxDeliveryCount).
 */
export async function scoreMessages(
  bodies: unknown[],
  context: InvocationContext,
  many: boolean,
  scorer?: Scorer,
): Promise<void> {
  const s = scorer ?? (await sharedScorer());
  const replies: Reply[] = [];
  const items: Item[] = await Promise.all(
    bodies.map(async (body, i): Promise<Item> => {
      const meta = messageMeta(context, many ? i : undefined);
      try {
        return { meta, prepared: await prepareMessage(s, body, meta) };
      } catch (e) {
        const err = toScoringError(e);
        if (!err.permanent) throw err;
        context.warn(`message ${meta.messageId}: ${err.code} ${err.message}`);
        replies.push(errorReply(meta, err));
        return { meta };
      }
    }),
  );
  const groups = new Map<Prepared['model'], Item[]>();
  for (const item of items) {
    if (item.prepared) groups.set(item.prepared.model, [...(groups.get(item.prepared.model) ?? []), item]);
  }
  for (const [model, group] of groups) {
    try {
      const scored = await s.infer(model, concatRows(group.map((g) => g.prepared!.batch)));
      let row = 0;
      for (const g of group) {
        replies.push(resultReply(g.meta, sliceRows(scored, row, g.prepared!.batch.rows)));
        row += g.prepared!.batch.rows;
      }
    } catch (e) {
      const err = toScoringError(e);
      if (!err.permanent) throw err;
      // One bad row (e.g. NaN) must not fail its neighbours: score the group's messages one by one.
      for (const g of group) {
        try {
          replies.push(resultReply(g.meta, await s.infer(model, g.prepared!.batch)));
        } catch (e2) {
          const err2 = toScoringError(e2);
          if (!err2.permanent) throw err2;
          replies.push(errorReply(g.meta, err2));
        }
      }
    }
  }
  await sendReplies(replies);
}
