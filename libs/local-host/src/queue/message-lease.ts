import type { ReceivedMessage, StorageQueue } from '../blob/storage-queue.js';

/** A taken message kept invisible while its invocation runs; `release` stops renewing it. */
export interface MessageLease {
  /** Stops renewing (after any renewal under way) and gives the message with its latest pop receipt. */
  release(): Promise<ReceivedMessage>;
}

/**
 * Keeps `message` invisible for as long as its invocation runs, as the Functions host's queue listener does
 * (it takes a message for 10 minutes and renews at half of that): a job that runs longer than the lease
 * would otherwise become visible and be taken again while it runs. Each renewal gives a new pop receipt,
 * which the settlement (delete, release) must use. A message that is gone (its lease lapsed and another
 * receiver took it) is reported and no longer renewed.
 */
export function holdMessage(
  queue: StorageQueue,
  message: ReceivedMessage,
  leaseSeconds: number,
  events: { renewed?: () => void; lost?: (e?: unknown) => void } = {},
): MessageLease {
  let current = message;
  let stopped = false;
  let renewing: Promise<void> = Promise.resolve();
  const renew = async () => {
    if (stopped) return;
    try {
      const receipt = await queue.extend(current, leaseSeconds);
      if (receipt === undefined) {
        stopped = true;
        return events.lost?.();
      }
      current = { ...current, popReceipt: receipt };
      events.renewed?.();
    } catch (e) {
      // Tried again at the next tick: the lease has another half to run.
      events.lost?.(e);
    }
  };
  const timer = setInterval(() => (renewing = renewing.then(renew)), (leaseSeconds * 1000) / 2);
  return {
    async release() {
      clearInterval(timer);
      await renewing;
      stopped = true;
      return current;
    },
  };
}
