import { afterEach, describe, expect, it, vi } from 'vitest';
import { TimeoutError, withTimeout } from '../../src/cache/with-timeout.js';

describe('withTimeout', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('passes through a value and clears its timer', async () => {
    vi.useFakeTimers();
    await expect(withTimeout(Promise.resolve(7), 50)).resolves.toBe(7);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('passes through a rejection and clears its timer', async () => {
    vi.useFakeTimers();
    await expect(withTimeout(Promise.reject(new Error('no')), 50)).rejects.toThrow('no');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects with TimeoutError when the promise is too slow', async () => {
    vi.useFakeTimers();
    const never = new Promise<number>(() => {});
    const result = withTimeout(never, 50, 'redis get');
    vi.advanceTimersByTime(50);
    await expect(result).rejects.toBeInstanceOf(TimeoutError);
    await expect(result).rejects.toThrow('redis get timed out after 50 ms');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a late rejection after the timeout is not unhandled', async () => {
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const late = new Promise<number>((_, reject) => setTimeout(() => reject(new Error('late')), 20));
      await expect(withTimeout(late, 5)).rejects.toBeInstanceOf(TimeoutError);
      await new Promise((resolve) => setTimeout(resolve, 40));
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });
});
