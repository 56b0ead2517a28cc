/**
 * Deadlines for many concurrent invocations on one coarse timer.
 *
 * Every invocation has two bounds (host.json's functionTimeout, and the model's `timeout_ms`), and almost
 * none is ever reached: a timer per bound per invocation was measurable CPU on the cached path (a Timeout
 * object made, linked into the timer lists and unlinked per request, plus the promises around it). Here a
 * deadline is an entry in a bucket of `tickMs`; one interval sweeps the buckets that are due, and runs only
 * while some deadline is pending. A deadline fires never early and at most about one tick late, which
 * bounds of hundreds of milliseconds and more do not notice.
 */
export interface Deadlines {
  /**
   * `work`, or the error `late()` makes once `ms` have passed without it settling. The work itself is not
   * stopped (nothing here can stop it); its late outcome is dropped. `ms` not finite or not above 0: no
   * deadline, `work` as it is.
   */
  within<T>(work: Promise<T>, ms: number, late: () => unknown): Promise<T>;
  /** Deadlines not yet settled or due (for tests and shutdown checks). */
  readonly pending: number;
}

interface Entry {
  slot: number;
  fire: () => void;
}

export function createDeadlines(tickMs = 25): Deadlines {
  const buckets = new Map<number, Set<Entry>>();
  let pending = 0;
  let interval: NodeJS.Timeout | undefined;
  // The last slot swept: every bucket at or before it has fired.
  let swept = 0;
  const slotOf = (t: number) => Math.floor(t / tickMs);

  const sweep = () => {
    const now = slotOf(performance.now());
    for (let s = swept + 1; s <= now; s++) {
      const due = buckets.get(s);
      if (!due) continue;
      buckets.delete(s);
      for (const e of due) {
        pending--;
        e.fire();
      }
    }
    swept = now;
    if (pending === 0 && interval) {
      clearInterval(interval);
      interval = undefined;
    }
  };

  const add = (ms: number, fire: () => void): Entry => {
    const now = performance.now();
    if (!interval) {
      swept = slotOf(now);
      interval = setInterval(sweep, tickMs);
    }
    // The first slot whose start is at or after the deadline: never early.
    const entry = { slot: Math.ceil((now + ms) / tickMs), fire };
    let bucket = buckets.get(entry.slot);
    if (!bucket) buckets.set(entry.slot, (bucket = new Set()));
    bucket.add(entry);
    pending++;
    return entry;
  };

  const remove = (entry: Entry) => {
    const bucket = buckets.get(entry.slot);
    if (!bucket?.delete(entry)) return;
    pending--;
    if (bucket.size === 0) buckets.delete(entry.slot);
  };

  return {
    within<T>(work: Promise<T>, ms: number, late: () => unknown): Promise<T> {
      if (!(ms > 0) || !Number.isFinite(ms)) return work;
      return new Promise<T>((resolve, reject) => {
        const entry = add(ms, () => reject(late()));
        work.then(
          (value) => {
            remove(entry);
            resolve(value);
          },
          (e: unknown) => {
            remove(entry);
            reject(e);
          },
        );
      });
    },
    get pending() {
      return pending;
    },
  };
}

/** The process's one set of deadlines, shared by the local host's functionTimeout and the adapter's model bounds. */
export const deadlines: Deadlines = createDeadlines();
