/** Runs queued tasks with at most `limit` at a time (the host's maxDegreeOfParallelism). Tasks must not reject. */
export class WorkPool {
  private running = 0;
  private readonly queue: (() => Promise<void>)[] = [];
  private drainWaiters: (() => void)[] = [];

  constructor(readonly limit: number) {}

  get size(): number {
    return this.running + this.queue.length;
  }

  /** Tasks waiting for a free slot. */
  get queued(): number {
    return this.queue.length;
  }

  push(task: () => Promise<void>): void {
    this.queue.push(task);
    this.pump();
  }

  /** Drops tasks that have not started; returns how many. */
  clear(): number {
    return this.queue.splice(0).length;
  }

  /** Resolves when no task is running (queued ones included). */
  drained(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((res) => this.drainWaiters.push(res));
  }

  private pump(): void {
    while (this.running < this.limit && this.queue.length > 0) {
      const task = this.queue.shift()!;
      this.running++;
      void task().finally(() => {
        this.running--;
        this.pump();
        if (this.size === 0) {
          const waiters = this.drainWaiters;
          this.drainWaiters = [];
          for (const w of waiters) w();
        }
      });
    }
  }
}
