import { describe, expect, it } from 'vitest';
import { EntryGate, type EntryGateLimits } from '../../src/entry-script/entry-gate.js';

const later = () => {
  let done!: () => void;
  const p = new Promise<void>((r) => (done = r));
  return { p, done };
};

/** The test's clock and timers: time passes only when the test says so, whatever the machine does. */
function testClock() {
  let t = 0;
  const timers: { at: number; fire: () => void }[] = [];
  return {
    timers,
    now: () => t,
    /** A run's time, spent inside the run (no timer fires). */
    add: (ms: number) => void (t += ms),
    advanceTo(at: number) {
      t = at;
      for (let due = timers.find((x) => x.at <= at); due; due = timers.find((x) => x.at <= at)) {
        timers.splice(timers.indexOf(due), 1);
        due.fire();
      }
    },
    setTimer(ms: number, fire: () => void) {
      const timer = { at: t + ms, fire };
      timers.push(timer);
      return () => void (timers.includes(timer) && timers.splice(timers.indexOf(timer), 1));
    },
  };
}
type TestClock = ReturnType<typeof testClock>;

/** A gate on the test's clock with room to queue (100 requests, 1 MiB): a test states its runs and bound. */
const gateOn = (clock: TestClock, limits: Pick<EntryGateLimits, 'running' | 'maxWaitMs'>) =>
  new EntryGate('m', {
    maxWaiting: 100,
    maxBytes: 1 << 20,
    ...limits,
    now: clock.now,
    setTimer: clock.setTimer,
  });

describe('EntryGate', () => {
  it('runs a few at once, queues a bounded number, refuses the rest with OVERLOADED, in order', async () => {
    const gate = new EntryGate('m', { running: 1, maxWaiting: 2, maxBytes: 1 << 20 });
    const order: number[] = [];
    const first = later();
    const runs = [0, 1, 2].map((i) =>
      gate.run(10, async () => {
        order.push(i);
        if (i === 0) await first.p;
        return i;
      }),
    );
    await expect(gate.run(10, async () => 9)).rejects.toMatchObject({ code: 'OVERLOADED', status: 503 });
    first.done();
    expect(await Promise.all(runs)).toEqual([0, 1, 2]);
    expect(order).toEqual([0, 1, 2]);
    await expect(gate.run(10, async () => 7)).resolves.toBe(7);
  });

  it('bounds the bytes of the bodies that wait', async () => {
    const gate = new EntryGate('m', { running: 1, maxWaiting: 100, maxBytes: 100 });
    const hold = later();
    const running = gate.run(1000, () => hold.p);
    const waiting = gate.run(60, async () => 1);
    await expect(gate.run(60, async () => 2)).rejects.toMatchObject({ code: 'OVERLOADED' });
    hold.done();
    await Promise.all([running, waiting]);
  });

  it('refuses a request the runs so far say would wait longer than maxWaitMs, with that wait as Retry-After', async () => {
    // The clock is the test's: each run takes 4 s of it, whatever the machine does.
    const clock = testClock();
    const gate = gateOn(clock, { running: 2, maxWaitMs: 10_000 });
    const timed = async () => {
      clock.add(4000);
      return 1;
    };
    await gate.run(1, timed);
    expect(gate.expectedWaitSeconds()).toBe(4);
    const holds = [later(), later()];
    const running = holds.map((h) => gate.run(1, () => h.p));
    // Waiting positions 1-2 are a run's time away, 3-4 two runs' (8 s): admitted; 5 would wait 12 s.
    const admitted = [1, 2, 3, 4].map(() => gate.run(1, async () => 2));
    const refused = gate.run(1, async () => 3);
    await expect(refused).rejects.toMatchObject({ code: 'OVERLOADED', status: 503, retryAfterSeconds: 12 });
    await expect(refused).rejects.toThrow(/about 12 s/);
    for (const h of holds) h.done();
    await Promise.all([...running, ...admitted]);
  });

  it('admits a burst before any run has ended, then refuses those its first run shows would wait too long', async () => {
    // A host that just started has no run time to predict from (20 heavy pages were all admitted, the
    // last answered after 57 s). The first run's end (4 s on the test's clock) is when the gate learns.
    const clock = testClock();
    const gate = gateOn(clock, { running: 2, maxWaitMs: 10_000 });
    const holds = [later(), later()];
    const running = holds.map((h) => gate.run(1, () => h.p));
    const release = later();
    const queued = [0, 1, 2, 3, 4, 5].map((i) =>
      gate.run(1, async () => {
        await release.p;
        return i;
      }),
    );
    const settled: number[] = [];
    for (const [i, q] of queued.entries())
      q.then(
        () => settled.push(i),
        () => settled.push(i),
      );
    await new Promise((r) => setImmediate(r));
    expect(settled).toEqual([]);
    expect(gate.expectedWaitSeconds()).toBe(0);

    clock.advanceTo(4000);
    holds[0].done();
    await running[0];
    await new Promise((r) => setImmediate(r));
    // Request 0 has started. The five still waiting have waited 4 s each: the next two start one run from
    // now (8 s in all), the other three two runs from now (12 s in all, past 10 s): refused, Retry-After 8 s.
    expect(settled.sort()).toEqual([3, 4, 5]);
    for (const i of [3, 4, 5]) {
      await expect(queued[i]).rejects.toMatchObject({
        code: 'OVERLOADED',
        status: 503,
        retryAfterSeconds: 8,
      });
    }
    await expect(queued[3]).rejects.toThrow(/about 12 s for its entry script in all, 4 s of it waited/);
    expect(gate.expectedWaitSeconds()).toBe(8);

    holds[1].done();
    release.done();
    await Promise.all(running);
    expect(await Promise.all(queued.slice(0, 3))).toEqual([0, 1, 2]);
  });

  it('refuses a request that has waited maxWaitMs without starting, though no run has ended to predict from', async () => {
    const clock = testClock();
    const gate = gateOn(clock, { running: 1, maxWaitMs: 10_000 });
    const hold = later();
    const running = gate.run(1, () => hold.p);
    const settled: string[] = [];
    const track = (name: string, p: Promise<unknown>) => {
      p.then(
        () => settled.push(`${name} ran`),
        () => settled.push(`${name} refused`),
      );
      return p;
    };
    const first = track(
      'first',
      gate.run(1, async () => 1),
    );
    clock.advanceTo(4000);
    const second = track(
      'second',
      gate.run(1, async () => 2),
    );
    clock.advanceTo(9999);
    await new Promise((r) => setImmediate(r));
    expect(settled).toEqual([]);

    clock.advanceTo(10_000);
    await new Promise((r) => setImmediate(r));
    expect(settled).toEqual(['first refused']);
    await expect(first).rejects.toMatchObject({ code: 'OVERLOADED', status: 503, retryAfterSeconds: 10 });
    await expect(first).rejects.toThrow(/waiting 10 s for its entry script, no run having ended/);
    clock.advanceTo(14_000);
    await expect(second).rejects.toMatchObject({ code: 'OVERLOADED', retryAfterSeconds: 10 });
    expect(clock.timers).toEqual([]);

    hold.done();
    await running;
    await expect(gate.run(1, async () => 3)).resolves.toBe(3);
  });

  it('leaves calls that are not runs (respondAsync) out of the run time it predicts from', async () => {
    // Each OCR request asks respondAsync (a page count) through the gate before its run: timed with the
    // runs, those made a 27 s page look like 5 s.
    const clock = testClock();
    const gate = gateOn(clock, { running: 1, maxWaitMs: 10_000 });
    await gate.run(1, async () => clock.add(10), undefined, { timed: false });
    expect(gate.expectedWaitSeconds()).toBe(0);
    await gate.run(1, async () => clock.add(4000));
    await gate.run(1, async () => clock.add(10), undefined, { timed: false });
    expect(gate.expectedWaitSeconds()).toBe(4);
  });

  it('admits anything the count allows until a run has ended, and without maxWaitMs', async () => {
    const clock = testClock();
    const unbounded = gateOn(clock, { running: 1 });
    await unbounded.run(1, async () => clock.add(3_600_000));
    const hold = later();
    const first = unbounded.run(1, () => hold.p);
    const queued = Array.from({ length: 10 }, () => unbounded.run(1, async () => 1));
    hold.done();
    await Promise.all([first, ...queued]);

    const fresh = gateOn(clock, { running: 1, maxWaitMs: 1 });
    const held = later();
    const busy = fresh.run(1, () => held.p);
    const waits = Array.from({ length: 10 }, () => fresh.run(1, async () => 1));
    held.done();
    await Promise.all([busy, ...waits]);
  });
});
