import { describe, expect, it } from 'vitest';
import { EntryGate } from '../../src/entry-script/entry-gate.js';

const later = () => {
  let done!: () => void;
  const p = new Promise<void>((r) => (done = r));
  return { p, done };
};

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
    let clock = 0;
    const gate = new EntryGate('m', {
      running: 2,
      maxWaiting: 100,
      maxBytes: 1 << 20,
      maxWaitMs: 10_000,
      now: () => clock,
    });
    const timed = async () => {
      clock += 4000;
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

  it('admits anything the count allows until a run has ended, and without maxWaitMs', async () => {
    let clock = 0;
    const unbounded = new EntryGate('m', {
      running: 1,
      maxWaiting: 100,
      maxBytes: 1 << 20,
      now: () => clock,
    });
    await unbounded.run(1, async () => void (clock += 3_600_000));
    const hold = later();
    const first = unbounded.run(1, () => hold.p);
    const queued = Array.from({ length: 10 }, () => unbounded.run(1, async () => 1));
    hold.done();
    await Promise.all([first, ...queued]);

    const fresh = new EntryGate('m', {
      running: 1,
      maxWaiting: 100,
      maxBytes: 1 << 20,
      maxWaitMs: 1,
      now: () => clock,
    });
    const held = later();
    const busy = fresh.run(1, () => held.p);
    const waits = Array.from({ length: 10 }, () => fresh.run(1, async () => 1));
    held.done();
    await Promise.all([busy, ...waits]);
  });
});
