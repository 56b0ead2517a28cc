import type { HostLogger } from '@modelfn/functions';

/** What a renewal needs of a message and of the receiver that took it (@azure/service-bus's). */
export interface RenewableMessage {
  lockedUntilUtc?: Date;
}
export interface LockRenewer<M extends RenewableMessage> {
  renewMessageLock(message: M): Promise<Date>;
}

/** The part of a lock's remaining time kept in hand when renewing: half of it, at most 10 s (as the SDK). */
const MAX_MARGIN_MS = 10_000;
/** A failed renewal is tried again this often while the lock lasts (or sooner if it runs out first). */
const RETRY_MS = 1_000;

/**
 * Keeps the locks of messages taken in peek-lock mode from their receipt until they are settled, for at most
 * `maxRenewalMs` (host.json maxAutoLockRenewalDuration), as the Functions host does. Unlike the SDK's own
 * renewer, a renewal that fails (a timeout on a busy machine, the broker briefly away) is tried again
 * while the lock still lasts: giving up at the first failure let the lock lapse and the broker hand the
 * message to another consumer while this one still worked on it.
 */
export class LockRenewals<M extends RenewableMessage> {
  private readonly timers = new Map<M, NodeJS.Timeout>();

  constructor(
    private readonly receiver: LockRenewer<M>,
    private readonly maxRenewalMs: number,
    private readonly logger: HostLogger,
    private readonly where: Record<string, unknown>,
  ) {}

  /** Renews `message`'s lock until release(message). */
  hold(message: M): void {
    if (this.maxRenewalMs > 0) this.schedule(message, Date.now() + this.maxRenewalMs);
  }

  /** No more renewals for `message` (call it before settling, so no renewal races the settlement). */
  release(message: M): void {
    clearTimeout(this.timers.get(message));
    this.timers.delete(message);
  }

  /** Stops every renewal (the receiver is closing). */
  releaseAll(): void {
    for (const message of [...this.timers.keys()]) this.release(message);
  }

  private schedule(message: M, renewUntil: number, afterFailure = false): void {
    const lockedUntil = message.lockedUntilUtc?.getTime() ?? 0;
    const now = Date.now();
    // Past the bound, or held by the lock already past it: no more renewals, as in the Functions host.
    if (now >= renewUntil || lockedUntil >= renewUntil || lockedUntil <= now)
      return void this.release(message);
    const remaining = lockedUntil - now;
    const delay = afterFailure
      ? Math.min(RETRY_MS, remaining / 2)
      : remaining - Math.min(remaining / 2, MAX_MARGIN_MS);
    const timer = setTimeout(() => void this.renew(message, renewUntil), delay);
    timer.unref();
    this.timers.set(message, timer);
  }

  private async renew(message: M, renewUntil: number): Promise<void> {
    let failed = false;
    try {
      // The SDK sets message.lockedUntilUtc from the answer.
      await this.receiver.renewMessageLock(message);
    } catch (e) {
      if ((e as { code?: string }).code === 'MessageLockLost') {
        this.logger.warn(
          { ...this.where, err: e },
          'a message lock was lost; the broker will deliver it again',
        );
        return void this.release(message);
      }
      this.logger.warn({ ...this.where, err: e }, 'renewing a message lock failed; trying again');
      failed = true;
    }
    if (this.timers.has(message)) this.schedule(message, renewUntil, failed);
  }
}
