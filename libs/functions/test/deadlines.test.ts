// The shared deadlines of every invocation: one coarse timer for all, a bound that is never early, and
// nothing left pending once work settles.
import { describe, expect, it, vi } from 'vitest';
import { createDeadlines, type Deadlines } from '../src/index.js';

const never = () => new Promise<never>(() => undefined);
class Late extends Error {}

/**
 * Runs `test` with Node's interval timers and performance.now on Vitest's clock, so a bound is checked at
 * exact instants: deadlines with a 5 ms tick, and `note`, which records the message each bound rejects with.
 */
async function onTestClock(
  test: (d: Deadlines, seen: string[], note: (p: Promise<unknown>) => Promise<unknown>) => Promise<void>,
): Promise<void> {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'performance'] });
  try {
    const seen: string[] = [];
    await test(createDeadlines(5), seen, (p) => p.catch((e: Error) => seen.push(e.message)));
  } finally {
    vi.useRealTimers();
  }
}

describe('createDeadlines', () => {
  it('passes on what settles in time, and leaves nothing pending', async () => {
    const d = createDeadlines(5);
    const answers = await Promise.all([
      d.within(Promise.resolve('a'), 10_000, () => new Late()),
      d.within(Promise.resolve('b'), 60_000, () => new Late()),
    ]);
    expect(answers).toEqual(['a', 'b']);
    expect(d.pending).toBe(0);
    await expect(d.within(Promise.reject(new Error('own')), 10_000, () => new Late())).rejects.toThrow('own');
    expect(d.pending).toBe(0);
  });

  it("rejects with the caller's error once the bound has passed, never before it", () =>
    onTestClock(async (d, seen, note) => {
      const both = Promise.all([
        note(d.within(never(), 40, () => new Late('40'))),
        note(d.within(never(), 15, () => new Late('15'))),
      ]);
      await vi.advanceTimersByTimeAsync(14);
      expect(seen).toEqual([]);
      await vi.advanceTimersByTimeAsync(6);
      expect(seen).toEqual(['15']);
      await vi.advanceTimersByTimeAsync(19);
      expect(seen).toEqual(['15']);
      await vi.advanceTimersByTimeAsync(6);
      await both;
      expect(seen).toEqual(['15', '40']);
      expect(d.pending).toBe(0);
    }));

  it('keeps one bound per call: a settled neighbour does not take a pending one with it', async () => {
    const d = createDeadlines(5);
    const slow = d.within(never(), 30, () => new Late('slow'));
    await d.within(Promise.resolve(1), 30, () => new Late('fast'));
    expect(d.pending).toBe(1);
    await expect(slow).rejects.toThrow('slow');
    expect(d.pending).toBe(0);
  });

  it('bounds of several durations, added in any order, each fire at their own time', () =>
    onTestClock(async (d, seen, note) => {
      let settle!: (v: string) => void;
      const settled = d.within(new Promise<string>((r) => (settle = r)), 30, () => new Late('a'));
      const rest = Promise.all([
        note(d.within(never(), 10, () => new Late('b'))),
        note(d.within(never(), 30, () => new Late('c'))),
        note(d.within(never(), 20, () => new Late('d'))),
      ]);
      expect(d.pending).toBe(4);
      settle('a in time');
      await expect(settled).resolves.toBe('a in time');
      expect(d.pending).toBe(3);
      await vi.advanceTimersByTimeAsync(10);
      expect(seen).toEqual(['b']);
      await vi.advanceTimersByTimeAsync(10);
      expect(seen).toEqual(['b', 'd']);
      await vi.advanceTimersByTimeAsync(10);
      await rest;
      expect(seen).toEqual(['b', 'd', 'c']);
      expect(d.pending).toBe(0);
    }));

  it('has no bound for a non-finite or non-positive time: the work is passed on as it is', () => {
    const d = createDeadlines(5);
    const work = never();
    expect(d.within(work, Infinity, () => new Late())).toBe(work);
    expect(d.within(work, 0, () => new Late())).toBe(work);
    expect(d.pending).toBe(0);
  });

  it('a late outcome is dropped, not reported as unhandled', async () => {
    const d = createDeadlines(5);
    let fail!: (e: Error) => void;
    const work = new Promise<never>((_, reject) => (fail = reject));
    await expect(d.within(work, 10, () => new Late('late'))).rejects.toThrow('late');
    fail(new Error('after the bound'));
    // An unhandled rejection would fail the run (Vitest reports it as an error).
    await new Promise((r) => setImmediate(r));
  });
});
