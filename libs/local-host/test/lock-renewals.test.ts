// LockRenewals against a fake receiver on fake timers: when it renews, that a failed renewal is tried again
// while the lock lasts, and where it stops. servicebus-locks.test.ts runs it on the emulator.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LockRenewals } from '../src/servicebus/lock-renewals.js';

const LOCK_MS = 30_000;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

interface Message {
  lockedUntilUtc?: Date;
}

/** A broker's side of renewals: each answer is the next of `answers` ('ok' extends the lock by LOCK_MS). */
function fakeReceiver(answers: ('ok' | 'busy' | 'lost')[]) {
  const calls: number[] = [];
  return {
    calls,
    async renewMessageLock(m: Message): Promise<Date> {
      calls.push(Date.now());
      const answer = answers.shift() ?? 'ok';
      if (answer === 'busy') throw Object.assign(new Error('timed out'), { code: 'ServiceTimeout' });
      if (answer === 'lost') throw Object.assign(new Error('lock lost'), { code: 'MessageLockLost' });
      m.lockedUntilUtc = new Date(Date.now() + LOCK_MS);
      return m.lockedUntilUtc;
    },
  };
}

const received = (): Message => ({ lockedUntilUtc: new Date(Date.now() + LOCK_MS) });

describe('LockRenewals', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('renews 10 s before each expiry for as long as the message is held', async () => {
    const receiver = fakeReceiver([]);
    const renewals = new LockRenewals(receiver, 5 * 60_000, quiet, {});
    const m = received();
    const start = Date.now();
    renewals.hold(m);
    await vi.advanceTimersByTimeAsync(LOCK_MS * 3);
    expect(receiver.calls.map((t) => t - start)).toEqual([20_000, 40_000, 60_000, 80_000]);
    expect(m.lockedUntilUtc!.getTime()).toBeGreaterThan(Date.now());
    renewals.release(m);
    await vi.advanceTimersByTimeAsync(LOCK_MS * 3);
    expect(receiver.calls).toHaveLength(4);
  });

  it('tries a failed renewal again while the lock lasts, so the lock does not lapse', async () => {
    const receiver = fakeReceiver(['busy', 'busy', 'ok']);
    const renewals = new LockRenewals(receiver, 5 * 60_000, quiet, {});
    const m = received();
    const start = Date.now();
    renewals.hold(m);
    await vi.advanceTimersByTimeAsync(45_000);
    // Two failures at 20 s and 21 s, the third try at 22 s extends the lock to 52 s, renewed again at 42 s.
    expect(receiver.calls.slice(0, 4).map((t) => t - start)).toEqual([20_000, 21_000, 22_000, 42_000]);
    expect(m.lockedUntilUtc!.getTime() - start).toBe(72_000);
    renewals.release(m);
  });

  it('stops when the broker says the lock is lost', async () => {
    const receiver = fakeReceiver(['lost']);
    const renewals = new LockRenewals(receiver, 5 * 60_000, quiet, {});
    renewals.hold(received());
    await vi.advanceTimersByTimeAsync(LOCK_MS * 4);
    expect(receiver.calls).toHaveLength(1);
  });

  it('renews no longer than maxAutoLockRenewalDuration, and not at all when it is 0', async () => {
    const receiver = fakeReceiver([]);
    const start = Date.now();
    new LockRenewals(receiver, 60_000, quiet, {}).hold(received());
    new LockRenewals(receiver, 0, quiet, {}).hold(received());
    await vi.advanceTimersByTimeAsync(LOCK_MS * 10);
    // Renewed at 20 s and 40 s; the lock then lasts to 70 s, past the 60 s bound.
    expect(receiver.calls.map((t) => t - start)).toEqual([20_000, 40_000]);
  });
});
