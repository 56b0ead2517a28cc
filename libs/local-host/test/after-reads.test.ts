import { describe, expect, it } from 'vitest';
import { afterReads } from '../src/http/after-reads.js';

describe('afterReads', () => {
  it('holds answers to the end of the loop pass, then lets all of them go together', async () => {
    const order: string[] = [];
    const first = afterReads().then(() => order.push('first'));
    const second = afterReads().then(() => order.push('second'));
    // Work queued after the answers in this pass: a microtask runs before them, a later immediate after.
    queueMicrotask(() => order.push('microtask'));
    setImmediate(() => order.push('immediate queued later'));
    await Promise.all([first, second]);
    expect(order).toEqual(['microtask', 'first', 'second']);
    await new Promise((r) => setImmediate(r));
    expect(order.at(-1)).toBe('immediate queued later');
  });
});
