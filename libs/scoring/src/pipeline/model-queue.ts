import { ScoringError } from '../errors.js';
import { metrics } from '../metrics.js';
import type { Tensor } from '../tensor/tensor.js';
import { concatRows, sliceRows } from '../tensor/tensor-rows.js';
import { ATTR, inContext, startSpan } from '../tracing.js';
import { BatchCost } from './batch-cost.js';

/**
 * Runs one batch; resolves with its outputs and the seconds the model itself took. `fetch`: the outputs to
 * fetch when a selection asked for fewer than every served one.
 */
export type RunBatch = (
  inputs: Tensor[],
  rows: number,
  fetch?: string[],
) => Promise<{ outputs: Tensor[]; seconds: number }>;

export interface ModelQueueOptions {
  model: string;
  /** Rows per run at most (max_batch_size); 0 for a model without a batch dimension. */
  maxBatchRows: number;
  /** Requests of the same row shapes share runs (Triton's dynamic_batching). */
  merge: boolean;
  /** Learn the batch size that pays (see BatchCost); false keeps maxBatchRows as the only bound. */
  adaptive: boolean;
  maxQueueDelayMicros: number;
  /** Runs at a time: 1 in this thread, the pool's size once the model runs in the pool. */
  concurrency: () => number;
  /** Bounds on what may wait; beyond them a request is refused with OVERLOADED. */
  maxRows: number;
  maxBytes: number;
}

interface Pending {
  inputs: Tensor[];
  rows: number;
  bytes: number;
  /** Row shapes and the outputs fetched: only requests alike in both share a run. */
  shapeKey: string;
  fetch?: string[];
  queuedAt: number;
  /** Its `modelfn.queue.wait` span and the context it waits in, when tracing records. */
  wait: ReturnType<typeof startSpan>;
  resolve: (out: Tensor[]) => void;
  reject: (e: unknown) => void;
}

function shapeKey(inputs: Tensor[]): string {
  let key = '';
  for (const t of inputs) key += `${t.shape.length}:${t.shape.slice(1).join(',')};`;
  return key;
}

function byteSize(inputs: Tensor[]): number {
  let n = 0;
  for (const t of inputs) {
    if (Array.isArray(t.data)) for (const s of t.data) n += s.length * 2 + 16;
    else n += t.data.byteLength;
  }
  return n;
}

/**
 * The way into one model version's runs: admission against bounded queues, dynamic batching (Triton
 * semantics; adaptive by default), and as many runs at a time as the model's placement allows. Batches
 * count rows, not requests: a request larger than the batch size that pays is split across runs.
 */
export class ModelQueue {
  private queue: Pending[] = [];
  private queuedRows = 0;
  private queuedBytes = 0;
  private running = 0;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  readonly cost = new BatchCost();

  constructor(
    private readonly run: RunBatch,
    private readonly opts: ModelQueueOptions,
  ) {}

  /** Rows per run now: what the measured cost says pays, within max_batch_size. */
  batchLimit(): number {
    const max = this.opts.maxBatchRows;
    if (max <= 0) return 1;
    return this.opts.adaptive ? this.cost.limit(max) : max;
  }

  async submit(inputs: Tensor[], rows: number, fetch?: string[]): Promise<Tensor[]> {
    this.admit(inputs, rows);
    const limit = this.opts.merge ? this.batchLimit() : Infinity;
    if (rows <= limit || this.opts.maxBatchRows <= 0) return this.enqueue(inputs, rows, fetch);
    const parts: Promise<Tensor[]>[] = [];
    for (let start = 0; start < rows; start += limit) {
      const n = Math.min(limit, rows - start);
      parts.push(
        this.enqueue(
          inputs.map((t) => sliceRows(t, start, n)),
          n,
          fetch,
        ),
      );
    }
    const outs = await Promise.all(parts);
    return outs[0].map((_, k) => concatRows(outs.map((o) => o[k])));
  }

  private admit(inputs: Tensor[], rows: number): void {
    // An empty queue takes any request: its size was bounded when it was read (MAX_BATCH_ROWS, body size).
    if (this.queue.length === 0) return;
    const bytes = byteSize(inputs);
    if (this.queuedRows + rows > this.opts.maxRows || this.queuedBytes + bytes > this.opts.maxBytes) {
      metrics.queueShed.inc({ model: this.opts.model });
      throw new ScoringError(
        'OVERLOADED',
        `model "${this.opts.model}" has ${this.queuedRows} rows (${this.queuedBytes} bytes) waiting, its limit: retry later`,
      );
    }
  }

  private enqueue(inputs: Tensor[], rows: number, fetch?: string[]): Promise<Tensor[]> {
    return new Promise((resolve, reject) => {
      const bytes = byteSize(inputs);
      this.queue.push({
        inputs,
        rows,
        bytes,
        shapeKey: fetch ? `${shapeKey(inputs)}|${fetch.join('\0')}` : shapeKey(inputs),
        fetch,
        queuedAt: performance.now(),
        wait: startSpan('modelfn.queue.wait', { [ATTR.model]: this.opts.model, [ATTR.rows]: rows }),
        resolve,
        reject,
      });
      this.queuedRows += rows;
      this.queuedBytes += bytes;
      metrics.queueRows.set({ model: this.opts.model }, this.queuedRows);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.running >= this.opts.concurrency() || this.queue.length === 0) return;
    const limit = this.opts.merge ? this.batchLimit() : 1;
    // Waiting gathers a batch only when the model is idle and batching pays; otherwise a run in progress
    // is the wait, and whatever queued during it goes next.
    if (this.running > 0 || limit <= 1 || this.queuedRows >= limit || this.opts.maxQueueDelayMicros === 0) {
      this.flush(limit);
    } else if (!this.timer && !this.immediate) {
      // Node timers have millisecond resolution: a shorter delay waits one turn of the event loop instead,
      // which lets every request already read from the sockets join the batch.
      const go = () => this.flush(this.opts.merge ? this.batchLimit() : 1);
      if (this.opts.maxQueueDelayMicros < 1000) this.immediate = setImmediate(go);
      else this.timer = setTimeout(go, this.opts.maxQueueDelayMicros / 1000);
    }
  }

  /** The oldest request and every later one of the same row shapes that fits, in arrival order. */
  private take(limit: number): Pending[] {
    const head = this.queue[0];
    if (!this.opts.merge || head.rows >= limit) {
      this.queue.shift();
      return [head];
    }
    const batch: Pending[] = [];
    const rest: Pending[] = [];
    let rows = 0;
    for (const p of this.queue) {
      if (p.shapeKey === head.shapeKey && rows + p.rows <= limit) {
        rows += p.rows;
        batch.push(p);
      } else {
        rest.push(p);
      }
    }
    this.queue = rest;
    return batch;
  }

  private flush(limit: number): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
    while (this.queue.length > 0 && this.running < this.opts.concurrency()) {
      const batch = this.take(limit);
      const now = performance.now();
      for (const p of batch) {
        this.queuedRows -= p.rows;
        this.queuedBytes -= p.bytes;
        metrics.queueWaitSeconds.observe({ model: this.opts.model }, (now - p.queuedAt) / 1000);
        p.wait?.span.setAttribute(ATTR.batchRequests, batch.length);
        p.wait?.span.end();
      }
      metrics.queueRows.set({ model: this.opts.model }, this.queuedRows);
      this.running++;
      // The run belongs to the trace of the batch's oldest request (the others' wait spans say they joined).
      void inContext(batch[0].wait?.parent, () => this.execute(batch)).finally(() => {
        this.running--;
        this.schedule();
      });
    }
  }

  private async execute(batch: Pending[]): Promise<void> {
    const rows = batch.reduce((n, p) => n + p.rows, 0);
    const inputs =
      batch.length === 1
        ? batch[0].inputs
        : batch[0].inputs.map((_, i) => concatRows(batch.map((p) => p.inputs[i])));
    try {
      const { outputs, seconds } = await this.run(inputs, rows, batch[0].fetch);
      if (this.opts.maxBatchRows > 0) this.cost.observe(rows, seconds);
      let off = 0;
      for (const p of batch) {
        p.resolve(batch.length === 1 ? outputs : outputs.map((t) => sliceRows(t, off, p.rows)));
        off += p.rows;
      }
    } catch (e) {
      for (const p of batch) p.reject(e);
    }
  }
}
