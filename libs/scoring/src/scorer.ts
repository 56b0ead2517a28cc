import { DynamicBatcher } from './batcher.js';
import { bodyMemoFor, type BodyMemo } from './cache/body-memo.js';
import type { CacheStatus, RowCache } from './cache/row-cache.js';
import { rowKeys } from './cache/row-key.js';
import { fastAmlRows } from './convert/aml-fast.js';
import { parseAmlJson, parseJson, rowsFromJson } from './convert/aml-json.js';
import type { OutputRows } from './convert/outputs.js';
import { rawBytesToRows } from './convert/raw-bytes.js';
import { checkFinite, checkPayloadSize, type InputLimits, type RowBatch } from './convert/row-batch.js';
import { parseV2Request, v2RequestFromObject, type V2Input } from './convert/v2-request.js';
import { ScoringError, toScoringError } from './errors.js';
import { metrics } from './metrics.js';
import { ModelRepository } from './model/model-repository.js';
import type { ModelVersion } from './model/model-version.js';
import type { OnnxModel } from './model/onnx-model.js';
import type { Settings } from './settings.js';

export interface Scored extends OutputRows {
  model: ModelVersion;
  cache: CacheStatus;
}

export interface ScoreOptions {
  /** Skip the cache for this request (reads and writes): the answer comes from the model. */
  bypassCache?: boolean;
}

export interface BodyRequest extends ScoreOptions {
  body: Buffer;
  contentType?: string;
  model?: string;
  version?: string;
}

export type ReadyModel = ModelVersion & { model: OnnxModel };

/** The JSON media types `/score` parses (plain text that starts like an object counts, as curl sends it). */
function isJsonBody(contentType: string | undefined, body: Buffer): boolean {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  return type === 'application/json' || type.endsWith('+json') || (type === 'text/plain' && body[0] === 0x7b);
}

/** Input converted and validated against a ready model, not yet scored. */
export interface Prepared {
  model: ReadyModel;
  batch: RowBatch;
  /** The rows were read from a Redis key named in the body (`data_key`), not from the body itself. */
  byReference?: boolean;
}

/**
 * The one scoring path every trigger uses: convert → validate → cache-aside per row → (batched) inference.
 */
export class Scorer {
  private readonly inflight = new Map<string, Promise<Float32Array>>();
  private readonly batchers = new Map<ModelVersion, DynamicBatcher>();
  private readonly bodyMemo: BodyMemo | undefined;
  /** Inferences actually run (rows), for tests and metrics of single flight. */
  inferenceRuns = 0;

  constructor(
    readonly settings: Settings,
    readonly repository: ModelRepository,
    readonly cache: RowCache,
  ) {
    this.bodyMemo = bodyMemoFor(cache);
  }

  get limits(): InputLimits {
    return this.settings;
  }

  /** Scores rows that are already converted. */
  async infer(model: ReadyModel, batch: RowBatch, opts: ScoreOptions = {}): Promise<Scored> {
    checkFinite(batch.data, batch.features);
    const out = (probabilities: Float32Array, cache: CacheStatus): Scored => ({
      model,
      probabilities,
      rows: batch.rows,
      classes: model.classes,
      cache,
    });
    if (opts.bypassCache || this.cache.kind === 'off') {
      metrics.cacheLookups.inc({ model: model.name, result: 'bypass' }, batch.rows);
      return out(await this.run(model, batch.data, batch.rows), 'bypass');
    }
    const keys = rowKeys(model, batch);
    const lookup = await this.cache.getMany(keys);
    const result = new Float32Array(batch.rows * model.classes);
    const missing: number[] = [];
    for (let r = 0; r < batch.rows; r++) {
      const v = lookup.values[r];
      if (v && v.length === model.classes) result.set(v, r * model.classes);
      else missing.push(r);
    }
    const hits = batch.rows - missing.length;
    if (!lookup.available) {
      metrics.cacheLookups.inc({ model: model.name, result: 'bypass' }, batch.rows);
    } else {
      if (hits) metrics.cacheLookups.inc({ model: model.name, result: 'hit' }, hits);
      if (missing.length) metrics.cacheLookups.inc({ model: model.name, result: 'miss' }, missing.length);
    }
    if (missing.length > 0) {
      const computed = await this.computeMisses(model, batch, keys, missing, lookup.available);
      missing.forEach((r, i) => result.set(computed[i], r * model.classes));
    }
    const status: CacheStatus = !lookup.available
      ? 'bypass'
      : missing.length === 0
        ? 'hit'
        : hits === 0
          ? 'miss'
          : 'partial';
    return out(result, status);
  }

  /**
   * Runs the missing rows once per distinct key, sharing any inference another request already has in
   * flight for the same key (single flight), then writes the new rows back in one pipeline.
   */
  private async computeMisses(
    model: ReadyModel,
    batch: RowBatch,
    keys: string[],
    missing: number[],
    writeBack: boolean,
  ): Promise<Float32Array[]> {
    const waits = new Map<string, Promise<Float32Array>>();
    const toRun: number[] = [];
    const seen = new Set<string>();
    for (const r of missing) {
      const key = keys[r];
      if (seen.has(key)) continue;
      seen.add(key);
      const shared = this.inflight.get(key);
      if (shared) waits.set(key, shared);
      else toRun.push(r);
    }
    if (toRun.length > 0) {
      // Every row missing and distinct (the usual miss): the request's own tensor, no copy.
      const data = toRun.length === batch.rows ? batch.data : new Float32Array(toRun.length * batch.features);
      if (data !== batch.data)
        toRun.forEach((r, i) =>
          data.set(batch.data.subarray(r * batch.features, (r + 1) * batch.features), i * batch.features),
        );
      const run = this.run(model, data, toRun.length);
      toRun.forEach((r, i) => {
        const key = keys[r];
        const row = run.then((o) => o.slice(i * model.classes, (i + 1) * model.classes));
        row.catch(() => undefined);
        waits.set(key, row);
        this.inflight.set(key, row);
      });
      try {
        const o = await run;
        if (writeBack) {
          const entries = toRun.map((r, i) => ({
            key: keys[r],
            value: o.subarray(i * model.classes, (i + 1) * model.classes),
          }));
          // Not awaited: the answer is ready, and a slow cache must not hold it back.
          void this.cache.setMany(entries);
        }
      } finally {
        for (const r of toRun) this.inflight.delete(keys[r]);
      }
    }
    return Promise.all(missing.map((r) => waits.get(keys[r])!));
  }

  private async run(model: ReadyModel, data: Float32Array, rows: number): Promise<Float32Array> {
    const batcher = this.batcherFor(model);
    try {
      return batcher ? await batcher.submit(data, rows) : await this.runModel(model, data, rows);
    } catch (e) {
      throw toScoringError(e);
    }
  }

  private async runModel(model: ReadyModel, data: Float32Array, rows: number): Promise<Float32Array> {
    this.inferenceRuns++;
    metrics.batchRows.observe({ model: model.name }, rows);
    const end = metrics.inferenceSeconds.startTimer({ model: model.name, version: model.version });
    try {
      return await model.model.run(data, rows, model.features);
    } finally {
      end();
    }
  }

  private batcherFor(model: ReadyModel): DynamicBatcher | undefined {
    const db = model.config.dynamic_batching;
    if (!db || this.settings.batching === 'off') return undefined;
    let b = this.batchers.get(model);
    if (!b) {
      b = new DynamicBatcher((data, rows) => this.runModel(model, data, rows), {
        maxBatchRows: model.config.max_batch_size,
        maxQueueDelayMicros: db.max_queue_delay_microseconds,
        features: model.features,
        classes: model.classes,
      });
      this.batchers.set(model, b);
    }
    return b;
  }

  /** Rows stored under a user's Redis key (inputs by reference): JSON rows or `{"data": rows}`. */
  private async rowsFromDataKey(key: string, features: number): Promise<RowBatch> {
    if (!this.cache.getRaw) {
      throw new ScoringError(
        'UNAVAILABLE',
        `"data_key" needs the Redis cache (set REDIS_URL); CACHE_MODE is ${this.cache.kind}`,
      );
    }
    const raw = await this.cache.getRaw(key);
    if (raw === undefined)
      throw new ScoringError('DATA_KEY_NOT_FOUND', `no value is stored under the Redis key "${key}"`);
    const parsed = parseJson(raw.toString('utf8'));
    const data =
      parsed && typeof parsed === 'object' && !Array.isArray(parsed)
        ? (parsed as { data?: unknown }).data
        : parsed;
    return rowsFromJson(data, features, this.limits);
  }

  /**
   * Converts an Azure ML style body without scoring it: JSON `{"data": rows}` / `{"data_key": key}`, or raw
   * bytes (an image, or float32 rows), as HTTP `/score`, blobs and Service Bus messages carry it.
   */
  async prepareBody(req: Omit<BodyRequest, 'bypassCache'>): Promise<Prepared> {
    checkPayloadSize(req.body.length, this.limits);
    const model = this.repository.ready(req.model, req.version);
    if (isJsonBody(req.contentType, req.body)) {
      const rows = fastAmlRows(req.body, model.features, this.limits);
      if (rows) return { model, batch: rows };
      return this.prepareObject(parseJson(req.body.toString('utf8')), req);
    }
    const image = model.config.preprocessing?.image;
    return {
      model,
      batch: await rawBytesToRows(req.body, req.contentType, model.features, image, this.limits),
    };
  }

  /** Converts an already parsed JSON body (Service Bus delivers JSON parsed): AML rows, data_key or v2 inputs. */
  async prepareObject(body: unknown, opts: { model?: string; version?: string } = {}): Promise<Prepared> {
    const model = this.repository.ready(opts.model, opts.version);
    if (body && typeof body === 'object' && !Array.isArray(body) && 'inputs' in body) {
      const input = { name: model.config.input[0].name, features: model.features };
      const v2 = v2RequestFromObject(body, Buffer.alloc(0), input, this.limits);
      return { model, batch: await this.v2Batch(v2, model), byReference: v2.dataKey !== undefined };
    }
    const aml = parseAmlJson(body, model.features, this.limits);
    return aml.kind === 'rows'
      ? { model, batch: aml.batch }
      : { model, batch: await this.rowsFromDataKey(aml.key, model.features), byReference: true };
  }

  /**
   * Scores a body; a JSON body seen before is answered from the body memo (when the cache has an
   * in-process LRU) without being parsed again.
   */
  async scoreBody(req: BodyRequest): Promise<Scored> {
    const memo = req.bypassCache ? undefined : this.bodyMemo;
    if (!memo || !isJsonBody(req.contentType, req.body)) {
      const { model, batch } = await this.prepareBody(req);
      return this.infer(model, batch, req);
    }
    checkPayloadSize(req.body.length, this.limits);
    const model = this.repository.ready(req.model, req.version);
    const key = memo.key(model, req.body);
    const known = memo.get(key, model.classes);
    if (known) {
      const rows = known.length / model.classes;
      metrics.cacheLookups.inc({ model: model.name, result: 'hit' }, rows);
      return { model, probabilities: known, rows, classes: model.classes, cache: 'hit' };
    }
    const prepared = await this.prepareBody(req);
    const scored = await this.infer(prepared.model, prepared.batch, req);
    // Kept from its second sighting on (its rows were cached by then): a stream of bodies never seen twice
    // fills the LRU with rows only, not with bodies as well.
    if (!prepared.byReference && prepared.model === model && scored.cache !== 'miss')
      memo.set(key, scored.probabilities);
    return scored;
  }

  async scoreObject(
    body: unknown,
    opts: ScoreOptions & { model?: string; version?: string } = {},
  ): Promise<Scored> {
    const { model, batch } = await this.prepareObject(body, opts);
    return this.infer(model, batch, opts);
  }

  private async v2Batch(v2: V2Input, model: ReadyModel): Promise<RowBatch> {
    return v2.dataKey ? this.rowsFromDataKey(v2.dataKey, model.features) : v2.batch;
  }

  /** Open Inference Protocol v2 `infer`, JSON or with the binary tensor extension. */
  async inferV2(req: {
    body: Buffer;
    headerLength?: number;
    model: string;
    version?: string;
    bypassCache?: boolean;
  }): Promise<{ scored: Scored; request: V2Input }> {
    checkPayloadSize(req.body.length, this.limits);
    const model = this.repository.ready(req.model, req.version);
    const request = parseV2Request(
      req.body,
      req.headerLength,
      { name: model.config.input[0].name, features: model.features },
      this.limits,
    );
    const scored = await this.infer(model, await this.v2Batch(request, model), req);
    return { scored, request };
  }

  async close(): Promise<void> {
    await this.cache.close();
    await this.repository.close();
  }
}
