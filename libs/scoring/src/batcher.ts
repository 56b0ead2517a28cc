/**
 * Triton-style dynamic batching for one model version: requests that arrive while a run is in progress (or
 * within `maxQueueDelayMicros` of an idle model) are concatenated into one `session.run` of at most
 * `maxBatchRows` rows, and each caller gets its own rows back.
 */
export type RunFn = (data: Float32Array, rows: number) => Promise<Float32Array>;

interface Pending {
  data: Float32Array;
  rows: number;
  resolve: (out: Float32Array) => void;
  reject: (e: unknown) => void;
}

export interface BatcherOptions {
  maxBatchRows: number;
  maxQueueDelayMicros: number;
  features: number;
  classes: number;
}

export class DynamicBatcher {
  private queue: Pending[] = [];
  private queuedRows = 0;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;

  constructor(
    private readonly run: RunFn,
    private readonly opts: BatcherOptions,
  ) {}

  submit(data: Float32Array, rows: number): Promise<Float32Array> {
    // A request as large as a batch gains nothing from waiting.
    if (rows >= this.opts.maxBatchRows) return this.run(data, rows);
    return new Promise((resolve, reject) => {
      this.queue.push({ data, rows, resolve, reject });
      this.queuedRows += rows;
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.running) return;
    if (this.queuedRows >= this.opts.maxBatchRows || this.opts.maxQueueDelayMicros === 0) {
      this.flush();
    } else if (!this.timer && !this.immediate) {
      // Node timers have millisecond resolution: a shorter delay waits one turn of the event loop instead,
      // which lets every request already read from the sockets join the batch.
      if (this.opts.maxQueueDelayMicros < 1000) this.immediate = setImmediate(() => this.flush());
      else this.timer = setTimeout(() => this.flush(), this.opts.maxQueueDelayMicros / 1000);
    }
  }

  private take(): Pending[] {
    const batch: Pending[] = [];
    let rows = 0;
    while (this.queue.length > 0 && rows + this.queue[0].rows <= this.opts.maxBatchRows) {
      const p = this.queue.shift()!;
      rows += p.rows;
      batch.push(p);
    }
    this.queuedRows -= rows;
    return batch;
  }

  private flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.immediate) {
      clearImmediate(this.immediate);
      this.immediate = undefined;
    }
    if (this.running || this.queue.length === 0) return;
    const batch = this.take();
    this.running = true;
    void this.execute(batch).finally(() => {
      this.running = false;
      // Whatever queued during the run goes next, without waiting again: the run itself was the delay.
      if (this.queue.length > 0) this.flush();
    });
  }

  private async execute(batch: Pending[]): Promise<void> {
    const { features, classes } = this.opts;
    const rows = batch.reduce((n, p) => n + p.rows, 0);
    let data: Float32Array;
    if (batch.length === 1) {
      data = batch[0].data;
    } else {
      data = new Float32Array(rows * features);
      let off = 0;
      for (const p of batch) {
        data.set(p.data.subarray(0, p.rows * features), off);
        off += p.rows * features;
      }
    }
    try {
      const out = await this.run(data, rows);
      let off = 0;
      for (const p of batch) {
        p.resolve(out.slice(off, off + p.rows * classes));
        off += p.rows * classes;
      }
    } catch (e) {
      for (const p of batch) p.reject(e);
    }
  }
}
