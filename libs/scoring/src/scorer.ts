import { bodyMemoFor, type BodyMemo } from './cache/body-memo.js';
import type { RowCache } from './cache/row-cache.js';
import type { CodecRegistry } from './decode/codec-registry.js';
import type { DecodeContext, Decoded } from './decode/decoded.js';
import { defaultCodecs } from './decode/default-codecs.js';
import { inputStoreFor, type InputStore } from './decode/input-store.js';
import { decodeObject } from './decode/json-codec.js';
import { checkPayloadSize, type InputLimits } from './decode/limits.js';
import { decodeV2Body, type V2RequestMeta } from './decode/v2-request.js';
import type { RequestParts } from './entry-script/aml-request.js';
import { initEntry, runEntry, type EntryDeps } from './entry-script/run-entry.js';
import type { EntryResult } from './entry-script/types.js';
import { ScoringError, toScoringError } from './errors.js';
import { metrics } from './metrics.js';
import type { ModelRef } from './model-ref.js';
import { ModelRepository } from './model/model-repository.js';
import type { ModelVersion, ReadyModel } from './model/model-version.js';
import { CachedInference } from './pipeline/cached-inference.js';
import type { InferenceRequest, InferenceResult } from './pipeline/inference-request.js';
import { ModelRunner } from './pipeline/model-runner.js';
import type { InferencePool } from './pool/inference-pool.js';
import { warmupSamples } from './model/warmup.js';
import { decodeRowValue, rowLayout } from './pipeline/row-value.js';
import { scoreMany, type ItemOutcome } from './pipeline/score-many.js';
import type { Settings } from './settings.js';
import type { Tensor } from './tensor/tensor.js';
import { concatRows } from './tensor/tensor-rows.js';
import { ATTR, modelAttributes, traced } from './tracing.js';

export interface ScoreOptions {
  /** Skip the cache for this request (reads and writes): the answer comes from the model. */
  bypassCache?: boolean;
}

/** A body as any trigger carries it: bytes, their media type, and the model it is for. */
export interface BodyRequest extends ModelRef, ScoreOptions {
  body: Buffer;
  contentType?: string;
}

/** A decoded request, and what a v2 request asked for besides its inputs. */
export interface Prepared extends InferenceRequest {
  v2?: V2RequestMeta;
}

/** One item of a batch (a Service Bus message): bytes with a media type, or JSON already parsed. */
export type ManyItem = ({ body: Buffer; contentType?: string } | { object: unknown }) & ModelRef;

/** What one item of a batch came to: a model's outputs, or a permanent error. */
export type ManyOutcome = ItemOutcome & { v2?: V2RequestMeta };

/**
 * The scoring core's facade: decode (codecs by media type) → validate → cache-aside per row → (batched)
 * inference. Every trigger and protocol goes through `infer`.
 */
export class Scorer {
  private readonly codecs: CodecRegistry = defaultCodecs();
  private readonly store: InputStore;
  private readonly runner: ModelRunner;
  private readonly cached: CachedInference;
  private readonly bodyMemo: BodyMemo | undefined;
  private readonly entryDeps: EntryDeps;

  constructor(
    readonly settings: Settings,
    readonly repository: ModelRepository,
    readonly cache: RowCache,
  ) {
    this.store = inputStoreFor(cache);
    this.runner = new ModelRunner({
      batching: settings.batching,
      threads: settings.inferenceThreads,
      threadMaxRuns: settings.inferenceThreadMaxRuns,
      inlineMaxMs: settings.inferenceInlineMaxMs,
      queueMaxRows: settings.modelQueueMaxRows,
      queueMaxBytes: settings.modelQueueMaxBytes,
    });
    this.cached = new CachedInference(cache, (model, inputs, rows) => this.runner.run(model, inputs, rows));
    this.bodyMemo = bodyMemoFor(cache);
    this.entryDeps = {
      cached: this.cached,
      cache,
      threads: new Map(),
      gates: new Map(),
      // Two runs per script thread keep each busy while the other awaits a model.
      gate: {
        running: 2 * Math.max(1, settings.entryScriptThreads),
        maxWaiting: settings.modelQueueMaxRows,
        maxBytes: settings.modelQueueMaxBytes,
      },
    };
  }

  get limits(): InputLimits {
    return this.settings;
  }

  /**
   * What makes a loaded version READY (the repository calls it for each, one after another): every ONNX
   * graph run once (config.json's model_warmup, like Triton's, or a guessed row), the slow ones moved to the
   * inference pool on the way, and its entry script's `init` — together, as they are independent. A
   * configured warm-up that fails makes the version unavailable, with the reason.
   */
  async prepareVersion(v: ModelVersion): Promise<void> {
    const graphs = v.entry ? Object.values(v.entry.sessions) : v.model ? [v as ReadyModel] : [];
    const init = v.entry ? initEntry(v, this.entryDeps, this.settings.entryScriptThreads) : undefined;
    try {
      await Promise.all(graphs.map((graph) => this.warmUpGraph(graph)));
    } catch (e) {
      v.state = 'UNAVAILABLE';
      v.reason = (e as Error).message;
    }
    await init;
    if (v.state === 'UNAVAILABLE')
      this.repository.problems.push(`model "${v.name}" version ${v.version}: ${v.reason}`);
  }

  /** Resolves when every model version is READY or UNAVAILABLE (they load after the scorer starts). */
  modelsSettled(): Promise<void> {
    return this.repository.settled();
  }

  /** Waits (bounded, MODEL_LOAD_WAIT_MS) for the version a request means while versions still load. */
  private async loaded(ref: ModelRef): Promise<void> {
    await this.repository.whenLoaded(ref.model, ref.version, this.settings.modelLoadWaitMs);
  }

  private async warmUpGraph(graph: ReadyModel): Promise<void> {
    for (const sample of warmupSamples(graph)) {
      try {
        await this.runner.warmUp(graph, sample.inputs, sample.rows);
      } catch (e) {
        if (sample.explicit)
          throw new Error(`model_warmup "${sample.name}" failed: ${toScoringError(e).message}`, { cause: e });
      }
    }
  }

  /** Where a model version's runs happen: this thread, or the inference pool (chosen by measurement). */
  placement(model: ReadyModel): 'inline' | 'moving' | 'pool' {
    return this.runner.placementOf(model);
  }

  /** The inference pool, when INFERENCE_THREADS > 0 and a model moved there (tests recycle its threads). */
  get inferencePool(): InferencePool | undefined {
    return this.runner.inferencePool;
  }

  /** True when the model a reference names answers through its entry script (`score.ts`). */
  hasEntryScript(ref: ModelRef): boolean {
    const v = this.repository.find(ref.model, ref.version);
    return v.entry !== undefined || v.script !== undefined;
  }

  /** A raw request through the model's entry script: `run(request, context)`. */
  async runEntry(parts: RequestParts & ModelRef & ScoreOptions): Promise<EntryResult> {
    checkPayloadSize(parts.body.length, this.limits);
    if (this.repository.isLoading) await this.loaded(parts);
    const v = this.repository.find(parts.model, parts.version);
    if (v.state !== 'READY' && (v.entry || v.script)) {
      throw new ScoringError(
        'MODEL_NOT_READY',
        `model "${v.name}" version ${v.version} is not ready: ${v.reason}`,
      );
    }
    if (!v.entry) throw new ScoringError('INVALID_INPUT', `model "${v.name}" has no entry script`);
    return runEntry(v, parts, this.entryDeps, parts);
  }

  /** session.run calls made so far (single flight and batching tests). */
  get inferenceRuns(): number {
    return this.runner.runs;
  }

  private context(ref: ModelRef): DecodeContext {
    return { model: this.repository.ready(ref.model, ref.version), limits: this.limits, store: this.store };
  }

  private prepared(model: ReadyModel, d: Decoded): Prepared {
    return {
      model,
      inputs: d.inputs,
      rows: d.rows,
      byReference: d.byReference,
      ...(d.v2 ? { v2: d.v2 } : {}),
    };
  }

  /** A body (JSON, image, raw tensor bytes) as the model's inputs, not yet scored. */
  async decode(req: Omit<BodyRequest, 'bypassCache'>): Promise<Prepared> {
    checkPayloadSize(req.body.length, this.limits);
    if (this.repository.isLoading) await this.loaded(req);
    const ctx = this.context(req);
    const codec = this.codecs.codecFor(req.body, req.contentType);
    return traced('modelfn.decode', modelAttributes(ctx.model), async (span) => {
      const prepared = this.prepared(ctx.model, await codec(req.body, ctx));
      span.setAttribute(ATTR.rows, prepared.rows);
      return prepared;
    });
  }

  /** JSON already parsed (Service Bus delivers it so): Azure ML rows, `data_key` or v2 `inputs`. */
  async decodeObject(body: unknown, ref: ModelRef = {}): Promise<Prepared> {
    if (this.repository.isLoading) await this.loaded(ref);
    const ctx = this.context(ref);
    return traced('modelfn.decode', modelAttributes(ctx.model), async (span) => {
      const prepared = this.prepared(ctx.model, await decodeObject(body, ctx));
      span.setAttribute(ATTR.rows, prepared.rows);
      return prepared;
    });
  }

  /** The one inference path: cache-aside per row, single flight, dynamic batching. */
  infer(req: InferenceRequest, opts: ScoreOptions = {}): Promise<InferenceResult> {
    return this.cached.infer(req, opts);
  }

  /**
   * Decodes and scores a body; a JSON body seen before is answered from the body memo (when the cache
   * has an in-process LRU) without being parsed again.
   */
  async score(req: BodyRequest): Promise<InferenceResult & Pick<Prepared, 'v2'>> {
    if (this.repository.isLoading) await this.loaded(req);
    const memo = req.bypassCache ? undefined : this.bodyMemo;
    const json = this.codecs.effectiveType(req.body, req.contentType) === 'application/json';
    if (!memo || !json) {
      const prepared = await this.decode(req);
      return { ...(await this.infer(prepared, req)), v2: prepared.v2 };
    }
    checkPayloadSize(req.body.length, this.limits);
    const model = this.repository.ready(req.model, req.version);
    const rowBytes = rowLayout(model).fixedBytes;
    const key = rowBytes !== undefined ? memo.key(model, req.body) : undefined;
    const known = key !== undefined ? memo.get(key, rowBytes!) : undefined;
    if (known) {
      const rows = known.length / rowBytes!;
      metrics.cacheLookups.inc({ model: model.name, result: 'hit' }, rows);
      const perRow = Array.from({ length: rows }, (_, r) =>
        decodeRowValue(model, known.subarray(r * rowBytes!, (r + 1) * rowBytes!))!,
      );
      const outputs =
        rows === 1 ? perRow[0] : model.outputs.map((_, k) => concatRows(perRow.map((p) => p[k])));
      return { model, outputs, rows, cache: 'hit' };
    }
    const prepared = await this.decode(req);
    const result = await this.infer(prepared, req);
    // Kept from its second sighting on (its rows were cached by then): a stream of bodies never seen twice
    // fills the LRU with rows only, not with bodies as well.
    if (key && !prepared.byReference && !prepared.v2 && result.cache !== 'miss')
      memo.set(key, memoValue(result));
    return { ...result, v2: prepared.v2 };
  }

  /** Decodes and scores JSON already parsed. */
  async scoreObject(
    body: unknown,
    opts: ScoreOptions & ModelRef = {},
  ): Promise<InferenceResult & Pick<Prepared, 'v2'>> {
    const prepared = await this.decodeObject(body, opts);
    return { ...(await this.infer(prepared, opts)), v2: prepared.v2 };
  }

  /** Open Inference Protocol v2 `infer`, JSON or with the binary tensor extension. */
  async inferV2(req: ModelRef & ScoreOptions & { body: Buffer; headerLength?: number }): Promise<{
    result: InferenceResult;
    request: V2RequestMeta;
  }> {
    checkPayloadSize(req.body.length, this.limits);
    if (this.repository.isLoading) await this.loaded(req);
    const ctx = this.context(req);
    const { v2, decoded } = await traced('modelfn.decode', modelAttributes(ctx.model), async (span) => {
      const v2 = decodeV2Body(req.body, req.headerLength, ctx.model, this.limits);
      const decoded = v2.dataKey
        ? await decodeObject({ data_key: v2.dataKey }, ctx)
        : { inputs: v2.inputs!, rows: v2.rows! };
      span.setAttribute(ATTR.rows, decoded.rows);
      return { v2, decoded };
    });
    const result = await this.infer({ model: ctx.model, ...decoded }, req);
    return { result, request: v2.meta };
  }

  /**
   * Many items at once (a batch of messages), each for a model without an entry script: each decoded on
   * its own (a bad one fails alone), then one inference per model version and row shape. Transient
   * failures throw, for the whole batch to be retried. (Entry scripts answer through `runEntry`, one
   * request each: the trigger adapter sends them there.)
   */
  async scoreMany(items: ManyItem[]): Promise<ManyOutcome[]> {
    const decoded = await Promise.all(
      items.map(async (item) => {
        try {
          return 'object' in item ? await this.decodeObject(item.object, item) : await this.decode(item);
        } catch (e) {
          const err = toScoringError(e);
          if (!err.permanent) throw err;
          return err;
        }
      }),
    );
    const ok = decoded.flatMap((d, i) => (d instanceof Error ? [] : [{ d, i }]));
    const scored = await scoreMany(
      ok.map(({ d }) => d),
      (req) => this.infer(req),
    );
    const byItem = new Map<number, ManyOutcome>(
      ok.map(({ d, i }, j) => [i, { ...scored[j], ...(d.v2 ? { v2: d.v2 } : {}) }]),
    );
    return decoded.map((d, i) => (d instanceof Error ? { error: d } : byItem.get(i)!));
  }

  async close(): Promise<void> {
    // The version loading now settles first: no script thread or pool session starts after this.
    await this.repository.stopLoading();
    await Promise.all([...this.entryDeps.threads.values()].map((t) => t.close()));
    await this.runner.close();
    await this.cache.close();
    await this.repository.close();
  }
}

/** A fixed-layout result as the memo keeps it: its rows' cache values back to back. */
function memoValue(result: InferenceResult): Uint8Array {
  const parts = result.outputs.map((t) => {
    const data = t.data as Exclude<Tensor['data'], string[]>;
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  });
  if (parts.length === 1) return parts[0];
  // Several outputs: interleaved per row, as the cache values are laid out.
  const widths = parts.map((p) => p.length / result.rows);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (let r = 0; r < result.rows; r++) {
    parts.forEach((p, k) => {
      out.set(p.subarray(r * widths[k], (r + 1) * widths[k]), off);
      off += widths[k];
    });
  }
  return out;
}
