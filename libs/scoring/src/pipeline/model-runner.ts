import { toScoringError } from '../errors.js';
import { metrics } from '../metrics.js';
import type { ReadyModel } from '../model/model-version.js';
import type { OnnxModel } from '../model/onnx-model.js';
import { InferencePool } from '../pool/inference-pool.js';
import type { Tensor } from '../tensor/tensor.js';
import { ModelQueue } from './model-queue.js';
import { Placement } from './placement.js';
import { ATTR, modelAttributes, traced } from '../tracing.js';

export interface RunnerOptions {
  batching: 'config' | 'off';
  /** Inference pool threads; 0 keeps every model in this thread. */
  threads: number;
  threadMaxRuns: number;
  inlineMaxMs: number;
  queueMaxRows: number;
  queueMaxBytes: number;
}

let laneSeq = 0;

interface Lane {
  queue: ModelQueue;
  placement: Placement;
}

/**
 * Runs model versions: each through its queue (admission, dynamic batching) and in this thread or the
 * inference pool, wherever its measured run time says (see Placement).
 */
export class ModelRunner {
  private readonly lanes = new Map<ReadyModel, Lane>();
  private readonly pool: InferencePool | undefined;
  /** session.run calls made (for tests of single flight and batching). */
  runs = 0;

  constructor(private readonly opts: RunnerOptions) {
    this.pool = opts.threads > 0 ? new InferencePool(opts.threads, opts.threadMaxRuns) : undefined;
  }

  /** `fetch`: the outputs a selection asked for (default every served one); only those leave the session. */
  async run(model: ReadyModel, inputs: Tensor[], rows: number, fetch?: string[]): Promise<Tensor[]> {
    try {
      return await this.lane(model).queue.submit(inputs, rows, fetch);
    } catch (e) {
      throw toScoringError(e);
    }
  }

  /**
   * Warm-up: runs the inputs outside the queue and the cache, twice — the first run of a session pays
   * one-time costs (allocations, kernel choices) that say nothing of its runs to come — and places the
   * model by what the second cost. Resolves once the model runs where it will serve from.
   */
  async warmUp(model: ReadyModel, inputs: Tensor[], rows: number): Promise<void> {
    const lane = this.lane(model);
    await model.model.run(inputs);
    await this.execute(model, lane.placement, inputs, rows, true);
  }

  /** Where each model runs, for the start banner and tests. */
  placementOf(model: ReadyModel): 'inline' | 'moving' | 'pool' {
    return this.lane(model).placement.where;
  }

  /** The inference pool, when there is one (tests recycle its threads). */
  get inferencePool(): InferencePool | undefined {
    return this.pool;
  }

  async close(): Promise<void> {
    await this.pool?.close();
  }

  /** Drops a retired version's lane and its sessions in the pool (no request runs on it any more). */
  forget(model: ReadyModel): void {
    const lane = this.lanes.get(model);
    if (!lane) return;
    this.lanes.delete(model);
    if (lane.placement.where !== 'inline') this.pool?.unregister(lane.placement.key);
  }

  private lane(model: ReadyModel): Lane {
    let lane = this.lanes.get(model);
    if (lane) return lane;
    const origin = model.model.origin as OnnxModel['origin'] | undefined;
    const spec = origin && {
      // One key per loaded version: a version reloaded from a replaced file is another session in the pool.
      key: `${model.name}/${model.version}/${model.path}#${++laneSeq}`,
      source: origin.source,
      intraOpThreads: origin.intraOpThreads,
      outputNames: model.model.outputNames,
    };
    const placement = new Placement(spec, this.pool, this.opts.inlineMaxMs / 1000);
    const db = model.config.dynamic_batching;
    const merge = !!db && model.batched && this.opts.batching !== 'off';
    const queue = new ModelQueue(
      (inputs, rows, fetch) => this.execute(model, placement, inputs, rows, false, fetch),
      {
        model: model.name,
        maxBatchRows: model.config.max_batch_size,
        merge,
        adaptive: db?.adaptive !== false,
        maxQueueDelayMicros: db?.max_queue_delay_microseconds ?? 0,
        concurrency: () => (placement.where === 'pool' && this.pool ? this.pool.size : 1),
        maxRows: this.opts.queueMaxRows,
        maxBytes: this.opts.queueMaxBytes,
      },
    );
    lane = { queue, placement };
    this.lanes.set(model, lane);
    return lane;
  }

  private execute(
    model: ReadyModel,
    placement: Placement,
    inputs: Tensor[],
    rows: number,
    awaitMove = false,
    fetch?: string[],
  ): Promise<{ outputs: Tensor[]; seconds: number }> {
    const attributes = modelAttributes(model);
    attributes[ATTR.rows] = rows;
    attributes[ATTR.placement] = placement.where;
    return traced('modelfn.inference', attributes, () =>
      this.executeRun(model, placement, inputs, rows, awaitMove, fetch),
    );
  }

  private async executeRun(
    model: ReadyModel,
    placement: Placement,
    inputs: Tensor[],
    rows: number,
    awaitMove: boolean,
    fetch: string[] | undefined,
  ): Promise<{ outputs: Tensor[]; seconds: number }> {
    this.runs++;
    metrics.batchRows.observe({ model: model.name }, rows);
    let outputs: Tensor[];
    let seconds: number;
    if (placement.where === 'pool' && this.pool) {
      metrics.poolBusy.inc();
      try {
        ({ outputs, seconds } = await this.pool.run(placement.key, inputs, fetch));
      } finally {
        metrics.poolBusy.dec();
      }
    } else {
      ({ outputs, seconds } = await model.model.run(inputs, fetch));
      const moving = placement.observe(seconds);
      if (moving) {
        const done = moving.then(async () => {
          const pooled = placement.where === 'pool';
          metrics.pooled.set({ model: model.name, version: model.version }, pooled ? 1 : 0);
          // Its runs are in the pool from now on: the copy of the graph in this thread is only memory.
          if (pooled) await model.model.release();
        });
        if (awaitMove) await done;
      }
    }
    metrics.inferenceSeconds.observe({ model: model.name, version: model.version }, seconds);
    return { outputs, seconds };
  }
}
