import { toScoringError } from '../errors.js';
import { metrics } from '../metrics.js';
import type { ModelVersion, ReadyModel } from '../model/model-version.js';
import type { Tensor } from '../tensor/tensor.js';
import { DynamicBatcher } from './batcher.js';

/** Runs a model version, through its dynamic batcher when the config asks for one and batching is on. */
export class ModelRunner {
  private readonly batchers = new Map<ModelVersion, DynamicBatcher>();
  /** session.run calls made (for tests of single flight and batching). */
  runs = 0;

  constructor(private readonly batching: 'config' | 'off') {}

  async run(model: ReadyModel, inputs: Tensor[], rows: number): Promise<Tensor[]> {
    const batcher = this.batcherFor(model);
    try {
      return batcher ? await batcher.submit(inputs, rows) : await this.runNow(model, inputs, rows);
    } catch (e) {
      throw toScoringError(e);
    }
  }

  private async runNow(model: ReadyModel, inputs: Tensor[], rows: number): Promise<Tensor[]> {
    this.runs++;
    metrics.batchRows.observe({ model: model.name }, rows);
    const end = metrics.inferenceSeconds.startTimer({ model: model.name, version: model.version });
    try {
      return await model.model.run(inputs);
    } finally {
      end();
    }
  }

  private batcherFor(model: ReadyModel): DynamicBatcher | undefined {
    const db = model.config.dynamic_batching;
    if (!db || !model.batched || this.batching === 'off') return undefined;
    let b = this.batchers.get(model);
    if (!b) {
      b = new DynamicBatcher((inputs, rows) => this.runNow(model, inputs, rows), {
        maxBatchRows: model.config.max_batch_size,
        maxQueueDelayMicros: db.max_queue_delay_microseconds,
      });
      this.batchers.set(model, b);
    }
    return b;
  }
}
