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
 * Settles with `promise` or rejects with TimeoutError once the other side has had `timeoutMs` to answer and
 * the answer was not there, whichever comes first.
 *
 * The budget measures the server, not this process's event loop. Under load one turn of the loop can read
 * hundreds of requests (a 1,000-connection burst: a second of work), and a plain timer then counts that
 * queue as Redis being slow — five such "timeouts" opened the circuit breaker and turned every hit into an
 * inference, the opposite of what overload needs. So:
 * - the clock starts in the check phase after the call (a setImmediate), which is when node-redis actually
 *   writes queued commands to the socket, not when the caller queued them;
 * - when the timer fires, `timeoutMs` of wall time must have passed since then (otherwise it is re-armed);
 * - and the verdict waits for one more poll phase (a setImmediate after the timer): that phase starts
 *   after the deadline, so a reply already in the socket is read there and settles first.
 * A server that really does not answer is still detected: after `timeoutMs` plus at most a few turns of
 * the loop, which under load are each as long as what every request is waiting for anyway.
 *
 * Timers are cleared as soon as either side settles, so a fast cache leaves no pending timers behind. The
 * original promise is not cancelled (Redis commands cannot be), but it has a handler here, so its late
 * rejection is handled rather than reported as unhandled. (One promise per call rather than Promise.race
 * and finally: this runs twice per cached request.)
 */
export function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what?: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let sentAt = 0;
    let timer: NodeJS.Timeout | undefined;
    let immediate: NodeJS.Immediate | undefined;
    const verdict = () => {
      immediate = undefined;
      settled = true;
      reject(new TimeoutError(timeoutMs, what));
    };
    const deadline = () => {
      timer = undefined;
      const left = sentAt + timeoutMs - performance.now();
      if (left >= 1) timer = setTimeout(deadline, left);
      else immediate = setImmediate(verdict);
    };
    immediate = setImmediate(() => {
      immediate = undefined;
      if (settled) return;
      sentAt = performance.now();
      timer = setTimeout(deadline, timeoutMs);
    });
    const done = () => {
      settled = true;
      if (timer) clearTimeout(timer);
      if (immediate) clearImmediate(immediate);
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
