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
 * The deadline is checked once more after the event loop has read its sockets: timers run before I/O in
 * each turn of the loop, so on a loop busy for longer than `timeoutMs` (a saturated worker) a reply already
 * waiting in the socket would otherwise count as a timeout, and five of those open the circuit breaker
 * for every request. In the 32-rows-per-request benchmark row this took `bypass` from 35 to 15 % of requests.
 *
 * The timers are cleared as soon as either side settles, so a fast cache does not leave thousands of pending
 * timers behind. The original promise is not cancelled (Redis commands cannot be), but it has a handler
 * here, so its late rejection is handled rather than reported as unhandled. (One promise per call rather
 * than Promise.race and finally: this runs twice per cached request.)
 */
export function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what?: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let late: NodeJS.Immediate | undefined;
    // setImmediate runs after this turn's I/O: a reply read there settles first, and reject is then a no-op.
    const timer = setTimeout(() => {
      late = setImmediate(() => reject(new TimeoutError(timeoutMs, what)));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      if (late) clearImmediate(late);
    };
    promise.then(
      (value) => {
        done();
        resolve(value);
      },
      (err: unknown) => {
        done();
        reject(err);
      },
    );
  });
}
