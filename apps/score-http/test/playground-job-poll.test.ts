import { describe, expect, it } from 'vitest';
import { MAX_DELAY_MS, MIN_DELAY_MS, retryDelayMs } from '../static/js/job-wait.js';

// The playground's wait between two calls of a job's status URL, run in Node: Retry-After honoured, bounded.

describe('playground: following a 202', () => {
  it('waits what Retry-After says, in seconds or as a date, within its bounds', () => {
    expect(retryDelayMs('5')).toBe(5_000);
    expect(retryDelayMs('1.5')).toBe(1_500);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryDelayMs('Thu, 01 Jan 2026 00:00:03 GMT', now)).toBe(3_000);
    // A server asking for nothing or for an hour is not followed to the letter.
    expect(retryDelayMs('0')).toBe(MIN_DELAY_MS);
    expect(retryDelayMs('3600')).toBe(MAX_DELAY_MS);
    expect(retryDelayMs('Thu, 01 Jan 2025 00:00:00 GMT', now)).toBe(MIN_DELAY_MS);
  });

  it('waits 2 s when Retry-After is missing or says nothing usable', () => {
    expect(retryDelayMs(null)).toBe(2_000);
    expect(retryDelayMs('soon')).toBe(2_000);
  });
});
