/** Rejection used when a cache call took longer than its budget; callers treat it like any other failure. */
export class TimeoutError extends Error {
  constructor(
    readonly timeoutMs: number,
    what = 'operation',
  ) {
    super(`${what} timed out after ${timeoutMs} ms`);
    this.name = 'TimeoutError';
  }
}

/**
 * Settles with `promise` or rejects with TimeoutError after `timeoutMs`, whichever comes first.
 *
 * The timer is cleared as soon as either side settles, so a fast cache does not leave thousands of pending
 * timers behind. The original promise is not cancelled (Redis commands cannot be), but Promise.race has
 * subscribed to it, so its late rejection is handled rather than reported as unhandled.
 */
export function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what?: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(timeoutMs, what)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
