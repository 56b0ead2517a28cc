import { CacheOpening } from './cache/cache-opening.js';
import { memoAnswer, memoValue, rowLayout, type ScoringCache } from './cache/index.js';
import { JSON_MEDIA_TYPE } from './decode/codec-registry.js';
import { codecs } from './decode/codecs.js';
import type { Decoded } from './decode/decoded.js';
import { checkPayloadSize } from './decode/limits.js';
import { checkPredictedSize, checkResponseSize } from './encode/response-size.js';
import { imagePlan, withImageAnswer } from './encode/image-request.js';
import { RequestDecoder } from './decode/request-decoder.js';
import type { RequestParts } from './entry-script/aml-request.js';
import { entryRespondsAsync, initEntry, runEntry, type EntryDeps } from './entry-script/run-entry.js';
import type { EntryResult } from './entry-script/types.js';
import { ScoringError, toScoringError } from './errors.js';
import type {
  Answer,
  InferRequest,
  ModelAnswer,
  ModelRequest,
  TriggerInferRequest,
} from './infer-request.js';
import type { ModelRef } from './model-ref.js';
import { ModelRepository } from './model/model-repository.js';
import type { ModelVersion, ReadyModel } from './model/model-version.js';
import { selectOutputs, type OutputSelection } from './model/output-selection.js';
import { warmupSamples } from './model/warmup.js';
import type { CachedInference } from './pipeline/cached-inference.js';
import { inferencePipeline } from './pipeline/inference-pipeline.js';
import type { InferenceResult } from './pipeline/inference-request.js';
import type { ModelRunner } from './pipeline/model-runner.js';
import { scoreMany } from './pipeline/score-many.js';
import type { InferencePool } from './pool/inference-pool.js';
import type { Settings } from './settings.js';
import type { Tensor } from './tensor/tensor.js';

/**
 * A request's answer: the result (from the cache or the model) with what only its decode knows, a v2
 * body's meta and the sent images' geometry (cached rows carry neither).
 */
function answerOf(result: InferenceResult, d: Decoded): ModelAnswer {
  if (!d.v2 && !d.images) return result;
  return { ...result, ...(d.v2 ? { v2: d.v2 } : {}), ...(d.images ? { images: d.images } : {}) };
}

/** What one request of a batch came to: its answer, or a permanent error (a transient one is thrown). */
export type ManyOutcome = Answer | { error: ScoringError };

/**
 * The scoring core's facade: every trigger and protocol goes through `infer` (or `inferMany` for a batch
 * of messages), which checks the payload's size and waits for a loading model once, then decodes (codecs
 * by media type), caches per row and runs the model (batched) — or hands the raw request to the model's
 * entry script.
 */
export class Scorer {
  private readonly decoder: RequestDecoder;
  private readonly runner: ModelRunner;
  private readonly cached: CachedInference;
  private readonly entryDeps: EntryDeps;
  /** The cache's parts: rows for the pipeline, results for entry scripts, inputs by reference, bodies. */
  readonly cache: ScoringCache;
  readonly #cacheOpening: CacheOpening;

  /**
   * `cache`: its parts, as createScoringCache makes them. `cacheOpening`: when a deferred cache connection
   * is made (createScorer's); by default on the first request.
   */
  constructor(
    readonly settings: Settings,
    readonly repository: ModelRepository,
    cache: ScoringCache,
    cacheOpening = new CacheOpening(() => cache.open()),
  ) {
    this.cache = cache;
    this.#cacheOpening = cacheOpening;
    this.decoder = new RequestDecoder(codecs, settings, cache.inputs);
    ({ runner: this.runner, cached: this.cached } = inferencePipeline(settings, cache.rows));
    this.entryDeps = {
      cached: this.cached,
      results: cache.results,
      threads: new Map(),
      gates: new Map(),
      // Two runs per script thread keep each busy while the other awaits a model.
      gate: {
        running: 2 * Math.max(1, settings.entryScriptThreads),
        maxWaiting: settings.modelQueueMaxRows,
        maxBytes: settings.modelQueueMaxBytes,
        maxWaitMs: settings.modelQueueMaxWaitMs,
      },
    };
  }

  /**
   * What makes a loaded version READY (the repository calls it for each, one after another): every ONNX
   * graph run once (config.json's model_warmup, like Triton's, or a guessed row), the slow ones moved to the
   * inference pool on the way, and its entry script's `init` — together, as they are independent. Throws
   * the reason when the version cannot serve (a configured warm-up or `init` failed): the repository's
   * loading alone changes a version's state.
   */
  async prepareVersion(v: ModelVersion): Promise<void> {
    const graphs = v.entry ? Object.values(v.entry.sessions) : v.model ? [v as ReadyModel] : [];
    const [warm, init] = await Promise.allSettled([
      Promise.all(graphs.map((graph) => this.warmUpGraph(graph))),
      v.entry ? initEntry(v, this.entryDeps, this.settings.entryScriptThreads) : undefined,
    ]);
    const failed = warm.status === 'rejected' ? warm : init.status === 'rejected' ? init : undefined;
    if (failed) {
      const reason = (failed.reason as Error).message;
      this.repository.problems.push(`model "${v.name}" version ${v.version}: ${reason}`);
      throw failed.reason;
    }
  }

  /**
   * Frees what a version holds once model control retired it (replaced, removed, unloaded; no request can
   * reach it): its graphs' lanes and pool sessions, its script threads and admission, its sessions.
   */
  async releaseVersion(v: ModelVersion): Promise<void> {
    const graphs = v.entry ? Object.values(v.entry.sessions) : v.model ? [v as ReadyModel] : [];
    const threads = this.entryDeps.threads.get(v);
    this.entryDeps.threads.delete(v);
    this.entryDeps.gates.delete(v);
    await threads?.close();
    for (const graph of graphs) {
      this.runner.forget(graph);
      await graph.model.release();
    }
  }

  /** Resolves when every model version is READY or UNAVAILABLE (they load after the scorer starts). */
  modelsSettled(): Promise<void> {
    return this.repository.settled();
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

  /**
   * The one inference path. A request from a trigger (`trigger` set) for a model with an entry script is
   * that script's `run(request, context)`; any other is decoded and scored: cache-aside per row, single
   * flight, dynamic batching, and a JSON body seen before answered from the body memo (when the cache has
   * an in-process LRU) without being parsed again.
   */
  infer(req: ModelRequest): Promise<ModelAnswer>;
  infer(req: TriggerInferRequest): Promise<Answer>;
  infer(req: InferRequest): Promise<Answer>;
  infer(req: InferRequest): Promise<Answer> {
    // Counted only where model control can retire a version under a running request.
    const drain = this.repository.drain;
    return this.#cacheOpening.after(drain ? drain.around(() => this.inferNow(req)) : this.inferNow(req));
  }

  private inferNow(req: InferRequest): Promise<Answer> {
    // Not async: the body memo's hit must cost no await beyond the caller's own.
    try {
      this.checkSize(req);
      req = this.routed(req);
      if (this.repository.isLoading) return this.loaded(req).then(() => this.route(req));
      return this.route(req);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Many requests at once (a batch of messages): those for plain models share one inference per model
   * version and row shape, each decoded on its own (a bad one fails alone); those for entry scripts run
   * through their scripts side by side. A permanent failure is that request's outcome; a transient failure
   * of any is thrown, for the whole batch to be retried.
   */
  inferMany(reqs: readonly InferRequest[]): Promise<ManyOutcome[]> {
    const drain = this.repository.drain;
    return this.#cacheOpening.after(
      drain ? drain.around(() => this.inferManyNow(reqs)) : this.inferManyNow(reqs),
    );
  }

  private async inferManyNow(reqs: readonly InferRequest[]): Promise<ManyOutcome[]> {
    const out = new Array<ManyOutcome>(reqs.length);
    // `req`: set when the request is answered as an image (made from its outputs after the run).
    const plain: { d: Decoded & { model: ReadyModel }; at: number; req?: InferRequest }[] = [];
    let transient: ScoringError | undefined;
    const failed = (at: number) => (e: unknown) => {
      const err = toScoringError(e);
      if (err.permanent) out[at] = { error: err };
      else transient ??= err;
    };
    const scripted: Promise<void>[] = [];
    await Promise.all(
      reqs.map(async (req, at) => {
        try {
          this.checkSize(req);
          req = this.routed(req);
          if (this.repository.isLoading) await this.loaded(req);
          // Refuses first what can never be answered as the image it requires.
          const image = imagePlan(this.repository, req);
          if (!image && this.isEntry(req))
            // Side by side with the plain requests' inference, not before it.
            scripted.push(this.runEntry(req).then((a) => void (out[at] = a), failed(at)));
          else {
            const r = image ? { ...req, outputs: image.outputs } : req;
            plain.push({ d: this.selected(r, await this.decode(r)), at, req: image ? req : undefined });
          }
        } catch (e) {
          failed(at)(e);
        }
      }),
    );
    if (transient) throw transient;
    plain.sort((a, b) => a.at - b.at);
    const [scored] = await Promise.all([
      scoreMany(
        plain.map(({ d }) => d),
        (r) => this.cached.infer(r),
      ),
      ...scripted,
    ]);
    if (transient) throw transient;
    await Promise.all(
      plain.map(async ({ d, at, req }, j) => {
        const o = scored[j];
        if ('error' in o) return void (out[at] = o);
        try {
          this.checkAnswer(o.result);
          const answer = answerOf(o.result, d);
          out[at] = req ? await withImageAnswer(answer, req, this.settings) : answer;
        } catch (e) {
          failed(at)(e);
        }
      }),
    );
    if (transient) throw transient;
    return out;
  }

  private checkSize(req: InferRequest): void {
    if ('body' in req) checkPayloadSize(req.body.length, this.settings);
    else if ('v2' in req) checkPayloadSize(req.v2.length, this.settings);
  }

  /**
   * The request with the version its model's config.json `traffic` sends it to, when it names none: chosen
   * once here, so every later look-up (its wait for loading, decode, cache keys, entry script, answer) sees
   * the same version, and all its rows go to it. Unchanged without a traffic table.
   */
  private routed<R extends InferRequest>(req: R): R {
    if (req.version) return req;
    const version = this.repository.route(req.model);
    return version === undefined ? req : { ...req, version };
  }

  /** Waits (bounded, MODEL_LOAD_WAIT_MS) for the version a request means while versions still load. */
  private async loaded(ref: ModelRef): Promise<void> {
    await this.repository.whenLoaded(ref.model, ref.version, this.settings.modelLoadWaitMs);
  }

  private isEntry(req: InferRequest): req is TriggerInferRequest {
    if (req.trigger === undefined || 'v2' in req) return false;
    try {
      return this.hasEntryScript(req);
    } catch {
      // An unknown model: decoding it says so, in the same words as for any other request.
      return false;
    }
  }

  private route(req: InferRequest): Promise<Answer> {
    // An image answer fetches the image output only, and is made after the cache from its tensor.
    const image = imagePlan(this.repository, req);
    if (image)
      // Not an entry script's (imagePlan said so): scored as a request for the model's graph.
      return this.routeModel({ ...req, outputs: image.outputs } as ModelRequest).then((a) =>
        withImageAnswer(a, req, this.settings),
      );
    if (this.isEntry(req)) return this.runEntry(req);
    return this.routeModel(req);
  }

  private routeModel(req: ModelRequest): Promise<ModelAnswer> {
    if ('body' in req) return this.scoreBody(req);
    return this.decode(req).then(async (d) => {
      const result = this.checkAnswer(await this.cached.infer(this.selected(req, d), req));
      return answerOf(result, d);
    });
  }

  /**
   * The decoded request with the outputs it selects (the request's `outputs`, else a v2 body's), refused
   * before any run when they are unknown or their known shapes cannot fit in MAX_RESPONSE_BYTES.
   */
  private selected<D extends Decoded & { model: ReadyModel }>(
    req: InferRequest,
    d: D,
  ): D & { selected?: OutputSelection } {
    const selected = selectOutputs(d.model, req.outputs ?? d.v2?.outputs?.map((o) => o.name));
    checkPredictedSize(d.model, d.rows, selected, this.settings.maxResponseBytes);
    return selected ? { ...d, selected } : d;
  }

  /** The answer, once its outputs are known to fit in MAX_RESPONSE_BYTES (before any encoding). */
  private checkAnswer<R extends { model: ReadyModel; outputs: Tensor[] }>(result: R): R {
    checkResponseSize(result.model, result.outputs, this.settings.maxResponseBytes);
    return result;
  }

  private decode(req: InferRequest): Promise<Decoded & { model: ReadyModel }> {
    const model = this.repository.ready(req.model, req.version);
    const decoded =
      'body' in req
        ? this.decoder.body(model, req.body, req.contentType)
        : 'object' in req
          ? this.decoder.object(model, req.object)
          : this.decoder.v2(model, req.v2, req.headerLength);
    return decoded.then((d) => ({ ...d, model }));
  }

  /**
   * Whether a trigger's request should be answered later (HTTP 202 and a status URL): its model's entry
   * script says so in `respondAsync` (a long document, say). False for a model without one, or whose script
   * does not export it; a request the script refuses while answering throws that refusal.
   */
  respondsAsync(req: TriggerInferRequest): Promise<boolean> {
    const drain = this.repository.drain;
    return drain ? drain.around(() => this.respondsAsyncNow(req)) : this.respondsAsyncNow(req);
  }

  private async respondsAsyncNow(req: TriggerInferRequest): Promise<boolean> {
    this.checkSize(req);
    if (this.repository.isLoading) await this.loaded(req);
    const v = this.repository.find(req.model, req.version);
    if (typeof v.entry?.script.respondAsync !== 'function') return false;
    return entryRespondsAsync(this.readyEntry(req), this.entryParts(req), this.entryDeps);
  }

  private runEntry(req: TriggerInferRequest): Promise<EntryResult> {
    return runEntry(this.readyEntry(req), this.entryParts(req), this.entryDeps, req);
  }

  private readyEntry(req: TriggerInferRequest): ModelVersion {
    const v = this.repository.find(req.model, req.version);
    if (v.state !== 'READY') {
      throw new ScoringError(
        'MODEL_NOT_READY',
        `model "${v.name}" version ${v.version} is not ready: ${v.reason}`,
      );
    }
    if (!v.entry) throw new ScoringError('INVALID_INPUT', `model "${v.name}" has no entry script`);
    return v;
  }

  private entryParts(req: TriggerInferRequest): RequestParts {
    // An entry script reads the body as bytes: JSON the host parsed is written back once, here only, and
    // its request.json() answers the value the host parsed instead of parsing the bytes again.
    const facts = {
      trigger: req.trigger,
      headers: req.headers,
      properties: req.properties,
      blobName: req.blobName,
    };
    return !('body' in req)
      ? {
          ...facts,
          body: Buffer.from(JSON.stringify((req as { object: unknown }).object)),
          contentType: JSON_MEDIA_TYPE,
          value: (req as { object: unknown }).object,
        }
      : { ...facts, body: req.body, contentType: req.contentType };
  }

  private async scoreBody(req: { body: Buffer; contentType?: string } & ModelRequest): Promise<ModelAnswer> {
    // The memo keys a body alone: a selection's answer is not the body's (nor one to keep).
    const memo = req.bypassCache || req.outputs ? undefined : this.cache.bodies;
    const json = memo !== undefined && codecs.isJson(req.body, req.contentType);
    const model = this.repository.ready(req.model, req.version);
    if (!json) {
      const prepared = this.selected(req, {
        model,
        ...(await this.decoder.body(model, req.body, req.contentType)),
      });
      const result = this.checkAnswer(await this.cached.infer(prepared, req));
      return answerOf(result, prepared);
    }
    const rowBytes = rowLayout(model).fixedBytes;
    const key = rowBytes !== undefined ? memo.key(model, req.body) : undefined;
    const known = key !== undefined ? memo.get(key, rowBytes!) : undefined;
    if (known) return memoAnswer(model, known, rowBytes!);
    const prepared = this.selected(req, {
      model,
      ...(await this.decoder.body(model, req.body, req.contentType)),
    });
    const result = this.checkAnswer(await this.cached.infer(prepared, req));
    // Kept from its second sighting on (its rows were cached by then): a stream of bodies never seen twice
    // fills the LRU with rows only, not with bodies as well.
    if (key && !prepared.byReference && !prepared.v2 && !prepared.selected && result.cache !== 'miss')
      memo.set(key, memoValue(result));
    return answerOf(result, prepared);
  }

  async close(): Promise<void> {
    this.#cacheOpening.cancel();
    // The version loading now settles first: no script thread or pool session starts after this.
    await this.repository.stopLoading();
    await Promise.all([...this.entryDeps.threads.values()].map((t) => t.close()));
    await this.runner.close();
    await this.cache.close();
    await this.repository.close();
  }
}
