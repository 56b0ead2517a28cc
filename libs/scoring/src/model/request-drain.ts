/**
 * Knows when the requests that could hold a replaced or removed model version have finished, so its sessions
 * can be released under no one (an epoch scheme, as RCU has it): each request is counted in the epoch it
 * entered; retiring a version closes the epoch, and the version is released once every request of that
 * epoch and the ones before has left. A request never looks a version up again after it left, and one
 * that enters later cannot find a retired version, so no request runs on a released session.
 *
 * It counts requests, not versions: a version waits for the slowest request that was running anywhere when
 * it was retired (at most that request's timeout_ms), and a request pays two map updates, nothing per version.
 */
export class RequestDrain {
  private epoch = 0;
  /** Requests in flight by the epoch they entered in. */
  private readonly inFlight = new Map<number, number>();
  private waiters: { epoch: number; resolve: () => void }[] = [];

  /** Runs `work` as one request: counted from now until it settles. */
  around<T>(work: () => Promise<T>): Promise<T> {
    const epoch = this.epoch;
    this.inFlight.set(epoch, (this.inFlight.get(epoch) ?? 0) + 1);
    let running: Promise<T>;
    try {
      running = work();
    } catch (e) {
      this.leave(epoch);
      throw e;
    }
    return running.finally(() => this.leave(epoch));
  }

  /** Resolves once every request that entered before this call has left. */
  quiesce(): Promise<void> {
    const closed = this.epoch++;
    if (!this.busyUpTo(closed)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ epoch: closed, resolve }));
  }

  /** Requests in flight now (for tests and the index's reasons). */
  get active(): number {
    let n = 0;
    for (const c of this.inFlight.values()) n += c;
    return n;
  }

  private leave(epoch: number): void {
    const left = this.inFlight.get(epoch)! - 1;
    if (left > 0) return void this.inFlight.set(epoch, left);
    this.inFlight.delete(epoch);
    if (this.waiters.length === 0) return;
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) {
      if (this.busyUpTo(w.epoch)) this.waiters.push(w);
      else w.resolve();
    }
  }

  private busyUpTo(epoch: number): boolean {
    for (const e of this.inFlight.keys()) if (e <= epoch) return true;
    return false;
  }
}
