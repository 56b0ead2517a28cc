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
 * timers behind. The original promise is not cancelled (Redis commands cannot be), but it has a handler
 * here, so its late rejection is handled rather than reported as unhandled. (One promise per call rather
 * than Promise.race and finally: this runs twice per cached request.)
 */
export function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what?: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new TimeoutError(timeoutMs, what)), timeoutMs);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
