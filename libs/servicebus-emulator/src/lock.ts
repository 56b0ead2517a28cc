// Peek-lock bookkeeping: which messages are locked, by whom, and until when. Each lock has its own
// timer so an unsettled message comes back exactly when its lock lapses, as on Service Bus.
import type { OutcomeKind } from './amqp.js';
import { newLockToken } from './lock-token.js';

/** Whoever received the locked message over a link; told when the lock ends by other means. */
export interface LockHolder {
  /**
   * The lock ended: settled with the given outcome (through `$management` or the link) or expired.
   * The holder forgets the delivery that carried it.
   */
  lockEnded(token: string, how: OutcomeKind | 'expired'): void;
}

export interface MessageLock<M> {
  readonly token: string;
  readonly message: M;
  readonly holder: LockHolder;
  lockedUntil: number;
}

interface Entry<M> extends MessageLock<M> {
  timer: NodeJS.Timeout;
}

export class LockTable<M> {
  private readonly locks = new Map<string, Entry<M>>();

  constructor(
    private readonly durationMs: number,
    private readonly onExpired: (lock: MessageLock<M>) => void,
  ) {}

  get size(): number {
    return this.locks.size;
  }

  acquire(message: M, holder: LockHolder): MessageLock<M> {
    const token = newLockToken();
    const entry: Entry<M> = {
      token,
      message,
      holder,
      lockedUntil: this.expiry(),
      timer: this.startTimer(token),
    };
    this.locks.set(token, entry);
    return entry;
  }

  get(token: string): MessageLock<M> | undefined {
    return this.locks.get(token);
  }

  /** Extends the lock by a full lock duration from now (Service Bus semantics, not from the old expiry). */
  renew(token: string): MessageLock<M> | undefined {
    const entry = this.locks.get(token);
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    entry.lockedUntil = this.expiry();
    entry.timer = this.startTimer(token);
    return entry;
  }

  /** Removes the lock (the message is being settled or returned) and stops its timer. */
  release(token: string): MessageLock<M> | undefined {
    const entry = this.locks.get(token);
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    this.locks.delete(token);
    return entry;
  }

  heldBy(holder: LockHolder): MessageLock<M>[] {
    return [...this.locks.values()].filter((l) => l.holder === holder);
  }

  all(): MessageLock<M>[] {
    return [...this.locks.values()];
  }

  clear(): void {
    for (const entry of this.locks.values()) clearTimeout(entry.timer);
    this.locks.clear();
  }

  private expiry(): number {
    return Date.now() + this.durationMs;
  }

  private startTimer(token: string): NodeJS.Timeout {
    const timer = setTimeout(() => {
      const entry = this.locks.get(token);
      if (!entry) return;
      this.locks.delete(token);
      this.onExpired(entry);
    }, this.durationMs);
    // Locks must never keep a test process (or a stopped emulator) alive.
    timer.unref();
    return timer;
  }
}
