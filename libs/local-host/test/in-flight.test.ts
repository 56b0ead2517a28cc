import { describe, expect, it } from 'vitest';
import { InFlight } from '../src/http/in-flight.js';

describe('InFlight', () => {
  it('lists what was added and not deleted, newest first, wherever it is deleted from', () => {
    const list = new InFlight<{ n: number }>();
    const entries = [1, 2, 3, 4, 5].map((n) => list.add({ n }));
    list.delete(entries[0]); // the oldest
    list.delete(entries[4]); // the newest
    list.delete(entries[2]); // one in the middle
    expect(list.values().map((v) => v.n)).toEqual([4, 2]);
    list.add({ n: 6 });
    expect(list.values().map((v) => v.n)).toEqual([6, 4, 2]);
  });

  it('ignores a second delete of the same entry', () => {
    const list = new InFlight<{ n: number }>();
    const a = list.add({ n: 1 });
    list.add({ n: 2 });
    list.delete(a);
    list.delete(a);
    expect(list.values().map((v) => v.n)).toEqual([2]);
  });

  it('empties an entry it lets go, so a stale reference to it holds neither the value nor its neighbours', () => {
    const list = new InFlight<{ n: number }>();
    list.add({ n: 1 });
    const middle = list.add({ n: 2 });
    list.add({ n: 3 });
    list.delete(middle);
    expect(middle).toEqual({ value: undefined, older: undefined, newer: undefined });
  });

  it('gives a snapshot: deleting every entry while going through it visits each once', () => {
    const list = new InFlight<{ n: number }>();
    const byValue = new Map([1, 2, 3].map((n) => [n, list.add({ n })]));
    const seen: number[] = [];
    for (const v of list.values()) {
      seen.push(v.n);
      list.delete(byValue.get(v.n)!);
    }
    expect(seen).toEqual([3, 2, 1]);
    expect(list.values()).toEqual([]);
  });
});
