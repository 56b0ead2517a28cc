import { describe, expect, it } from 'vitest';
import { EntryGate } from '../../src/entry-script/entry-gate.js';

const later = () => {
  let done!: () => void;
  const p = new Promise<void>((r) => (done = r));
  return { p, done };
};

describe('EntryGate', () => {
  it('runs a few at once, queues a bounded number, refuses the rest with OVERLOADED, in order', async () => {
    const gate = new EntryGate('m', 1, 2, 1 << 20);
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
    const gate = new EntryGate('m', 1, 100, 100);
    const hold = later();
    const running = gate.run(1000, () => hold.p);
    const waiting = gate.run(60, async () => 1);
    await expect(gate.run(60, async () => 2)).rejects.toMatchObject({ code: 'OVERLOADED' });
    hold.done();
    await Promise.all([running, waiting]);
  });
});
