import type { Tensor } from '../tensor/tensor.js';
import { concatRows, sliceRows } from '../tensor/tensor-rows.js';

/**
 * Triton-style dynamic batching for one model version: requests that arrive while a run is in progress (or
 * within `maxQueueDelayMicros` of an idle model) are concatenated into one `session.run` of at most
 * `maxBatchRows` rows, and each caller gets its own rows back. Only requests whose inputs have the same row
 * shapes share a run (a model with dynamic dims may get rows of several sizes); the others wait their turn.
 */
export type RunFn = (inputs: Tensor[], rows: number) => Promise<Tensor[]>;

interface Pending {
  inputs: Tensor[];
  rows: number;
  shapeKey: string;
  resolve: (out: Tensor[]) => void;
  reject: (e: unknown) => void;
}

export interface BatcherOptions {
  maxBatchRows: number;
  maxQueueDelayMicros: number;
}

function shapeKey(inputs: Tensor[]): string {
  let key = '';
  for (const t of inputs) key += `${t.shape.length}:${t.shape.slice(1).join(',')};`;
  return key;
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

  submit(inputs: Tensor[], rows: number): Promise<Tensor[]> {
    // A request as large as a batch gains nothing from waiting.
    if (rows >= this.opts.maxBatchRows) return this.run(inputs, rows);
    return new Promise((resolve, reject) => {
      this.queue.push({ inputs, rows, shapeKey: shapeKey(inputs), resolve, reject });
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

  /** The oldest request and every later one of the same row shapes that fits, in arrival order. */
  private take(): Pending[] {
    const head = this.queue[0];
    const batch: Pending[] = [];
    const rest: Pending[] = [];
    let rows = 0;
    for (const p of this.queue) {
      if (p.shapeKey === head.shapeKey && rows + p.rows <= this.opts.maxBatchRows) {
        rows += p.rows;
        batch.push(p);
      } else {
        rest.push(p);
      }
    }
    this.queue = rest;
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
    const rows = batch.reduce((n, p) => n + p.rows, 0);
    const inputs =
      batch.length === 1
        ? batch[0].inputs
        : batch[0].inputs.map((_, i) => concatRows(batch.map((p) => p.inputs[i])));
    try {
      const out = await this.run(inputs, rows);
      let off = 0;
      for (const p of batch) {
        p.resolve(batch.length === 1 ? out : out.map((t) => sliceRows(t, off, p.rows)));
        off += p.rows;
      }
    } catch (e) {
      for (const p of batch) p.reject(e);
    }
  }
}
