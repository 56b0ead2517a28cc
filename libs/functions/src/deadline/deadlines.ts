/**
 * Deadlines for many concurrent invocations on one coarse timer.
 *
 * Every invocation has two bounds (host.json's functionTimeout, and the model's `timeout_ms`), and almost
 * none is ever reached: a timer per bound per invocation was measurable CPU on the cached path (a Timeout
 * object made, linked into the timer lists and unlinked per request, plus the promises around it). Here a
 * deadline is an entry in the list of its duration; one interval of `tickMs` fires the entries that are due,
 * and runs only while some deadline is pending. A deadline fires never early and at most about one tick
 * late, which bounds of hundreds of milliseconds and more do not notice.
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

/** One pending bound: a node of its lane's list, emptied once it settles or fires. */
interface Entry {
  /** performance.now() at which it is due. */
  at: number;
  fire: (() => void) | undefined;
  lane: Lane | undefined;
  older: Entry | undefined;
  newer: Entry | undefined;
}

/** The pending bounds of one duration, oldest first: added in order of `at`, so only the oldest can be due. */
interface Lane {
  oldest: Entry | undefined;
  newest: Entry | undefined;
}

/**
 * Why lanes of linked lists and not buckets of Sets: the bounds of one duration fall due in the order they
 * were added, so a sweep looks at the oldest of each lane only, and an entry leaves in O(1) with no hash
 * table rehashed under request churn (a long-lived Set's new tables are made in V8's old generation, and the
 * tables they replace keep the young entries alive until a full GC: docs/decisions.md, "No Set or Map of
 * in-flight requests on the hot path"). The durations are few (host.json's functionTimeout, the models'
 * timeout_ms and job_timeout_ms), so lanes are kept once made.
 */
export function createDeadlines(tickMs = 25): Deadlines {
  const lanes = new Map<number, Lane>();
  let pending = 0;
  let interval: NodeJS.Timeout | undefined;

  const unlink = (e: Entry) => {
    const lane = e.lane!;
    if (e.newer) e.newer.older = e.older;
    else lane.newest = e.older;
    if (e.older) e.older.newer = e.newer;
    else lane.oldest = e.newer;
    e.fire = e.lane = e.older = e.newer = undefined;
    pending--;
  };

  const sweep = () => {
    const now = performance.now();
    for (const lane of lanes.values()) {
      for (let e = lane.oldest; e !== undefined && e.at <= now; e = lane.oldest) {
        const fire = e.fire!;
        unlink(e);
        fire();
      }
    }
    if (pending === 0 && interval) {
      clearInterval(interval);
      interval = undefined;
    }
  };

  const add = (ms: number, fire: () => void): Entry => {
    let lane = lanes.get(ms);
    if (!lane) lanes.set(ms, (lane = { oldest: undefined, newest: undefined }));
    const entry: Entry = { at: performance.now() + ms, fire, lane, older: lane.newest, newer: undefined };
    if (lane.newest) lane.newest.newer = entry;
    else lane.oldest = entry;
    lane.newest = entry;
    pending++;
    interval ??= setInterval(sweep, tickMs);
    return entry;
  };

  const remove = (entry: Entry) => {
    // Already fired (and emptied) when the work settles after its bound.
    if (entry.lane) unlink(entry);
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
