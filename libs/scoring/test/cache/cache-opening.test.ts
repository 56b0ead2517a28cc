import { describe, expect, it } from 'vitest';
import { CacheOpening } from '../../src/cache/cache-opening.js';

const turn = () => new Promise((r) => setImmediate(r));

describe('CacheOpening', () => {
  it('opens on the turn after the first request settles, once, not while it runs', async () => {
    let opened = 0;
    const opening = new CacheOpening(() => opened++);
    let answer!: (v: string) => void;
    const first = opening.after(new Promise<string>((r) => (answer = r)));
    void opening.after(Promise.resolve('second'));
    opening.now();
    await turn();
    expect(opened).toBe(0);
    answer('first');
    await expect(first).resolves.toBe('first');
    expect(opened).toBe(0);
    await turn();
    expect(opened).toBe(1);
  });

  it('opens after a first request that failed, and passes its failure through', async () => {
    let opened = 0;
    const opening = new CacheOpening(() => opened++);
    await expect(opening.after(Promise.reject(new Error('bad input')))).rejects.toThrow('bad input');
    await turn();
    expect(opened).toBe(1);
  });

  it('opens at once when the models settle before any request; never after cancel', async () => {
    let opened = 0;
    const opening = new CacheOpening(() => opened++);
    opening.now();
    expect(opened).toBe(1);
    await opening.after(Promise.resolve());
    await turn();
    expect(opened).toBe(1);
    const cancelled = new CacheOpening(() => opened++);
    cancelled.cancel();
    cancelled.now();
    await cancelled.after(Promise.resolve());
    await turn();
    expect(opened).toBe(1);
  });
});
