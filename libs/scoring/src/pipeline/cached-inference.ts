import {
  decodeRowValue,
  encodeRowValue,
  outputsView,
  rowKeys,
  rowLayout,
  type CacheStatus,
  type RowCache,
} from '../cache/index.js';
import { metrics } from '../metrics.js';
import { markSole } from '../pool/ownership.js';
import { fetchedSelection, fetchNames } from '../model/output-selection.js';
import type { ReadyModel } from '../model/model-version.js';
import type { Tensor } from '../tensor/tensor.js';
import { ATTR, modelAttributes, traced } from '../tracing.js';
import { checkFinite, concatRows, sliceRows } from '../tensor/tensor-rows.js';
import type { InferenceRequest, InferenceResult } from './inference-request.js';

/** `fetch`: the outputs to fetch when a selection asked for fewer than every served one. */
export type RunModel = (
  model: ReadyModel,
  inputs: Tensor[],
  rows: number,
  fetch?: string[],
) => Promise<Tensor[]>;

/** One row's outputs, each a one-row tensor (or the whole output for a model without a batch dim). */
type RowOutputs = Tensor[];

function rowOf(model: ReadyModel, outputs: Tensor[], r: number): RowOutputs {
  return model.batched ? outputs.map((t) => sliceRows(t, r, 1)) : outputs;
}

function assemble(model: ReadyModel, rows: RowOutputs[]): Tensor[] {
  if (rows.length === 1) return rows[0];
  return model.outputs.map((_, k) => concatRows(rows.map((r) => r[k])));
}

function pickRows(inputs: Tensor[], rows: number[]): Tensor[] {
  return inputs.map((t) => concatRows(rows.map((r) => sliceRows(t, r, 1))));
}

/**
 * A row being inferred, which requests that miss its key meanwhile share; emptied once the run is over. The
 * map of these lives as long as the scorer and churns with every miss, so V8 keeps the tables it outgrows
 * in the old generation with their entries until a full GC (docs/decisions.md, "No Set or Map of in-flight
 * requests on the hot path"): an emptied flight leaves nothing of the row alive there.
 */
interface Flight {
  row: Promise<RowOutputs> | undefined;
}

/**
 * Cache-aside per row with single flight: each row is looked up under its key, only the missing rows are
 * inferred (once per distinct key, sharing any inference already in flight for that key), and the new
 * rows are written back in one pipeline without holding up the answer.
 */
export class CachedInference {
  private readonly inflight = new Map<string, Flight>();

  constructor(
    private readonly cache: RowCache,
    private readonly run: RunModel,
    /** Row values larger than this are not written (counted by modelfn_cache_rows_too_large_total). */
    private readonly maxValueBytes = Infinity,
  ) {}

  infer(req: InferenceRequest, opts: { bypassCache?: boolean } = {}): Promise<InferenceResult> {
    const attributes = modelAttributes(req.model);
    attributes[ATTR.rows] = req.rows;
    return traced('modelfn.infer', attributes, async (span) => {
      const result = await this.inferRows(req, opts);
      span.setAttribute(ATTR.cache, result.cache);
      return result;
    });
  }

  private async inferRows(req: InferenceRequest, opts: { bypassCache?: boolean }): Promise<InferenceResult> {
    const { model, inputs, rows, selected } = req;
    for (const t of inputs) checkFinite(t);
    // A selection caches and answers its outputs only: the view is the model with those outputs.
    const view = outputsView(model, fetchedSelection(model, selected));
    const fetch = fetchNames(model, selected);
    const done = (outputs: Tensor[], cache: CacheStatus): InferenceResult => ({
      model,
      outputs,
      rows,
      cache,
      ...(selected ? { selected } : {}),
    });
    if (opts.bypassCache || this.cache.kind === 'off' || model.config.cache === false) {
      metrics.cacheLookups.inc({ model: model.name, result: 'bypass' }, rows);
      const outputs = await this.run(model, inputs, rows, fetch);
      // Nothing else waits on an uncached run (no single flight): its outputs are this caller's alone.
      markSole(outputs);
      return done(outputs, 'bypass');
    }
    const keys = rowKeys(model, inputs, rows, fetch);
    const lookup = await traced('modelfn.cache.lookup', modelAttributes(model), async (span) => {
      const found = await this.cache.getMany(keys, rowLayout(view).fixedBytes);
      if (span.isRecording()) {
        span.setAttribute('modelfn.cache.available', found.available);
        span.setAttribute('modelfn.cache.found', found.values.filter(Boolean).length);
      }
      return found;
    });
    const found: (RowOutputs | undefined)[] = new Array(rows);
    const missing: number[] = [];
    for (let r = 0; r < rows; r++) {
      const v = lookup.values[r];
      const decoded = v ? decodeRowValue(view, v) : undefined;
      if (decoded) found[r] = decoded;
      else missing.push(r);
    }
    const hits = rows - missing.length;
    if (!lookup.available) {
      metrics.cacheLookups.inc({ model: model.name, result: 'bypass' }, rows);
    } else {
      if (hits) metrics.cacheLookups.inc({ model: model.name, result: 'hit' }, hits);
      if (missing.length) metrics.cacheLookups.inc({ model: model.name, result: 'miss' }, missing.length);
    }
    const status: CacheStatus = !lookup.available
      ? 'bypass'
      : missing.length === 0
        ? 'hit'
        : hits === 0
          ? 'miss'
          : 'partial';
    if (missing.length === 0) return done(assemble(view, found as RowOutputs[]), status);
    const computed = await this.computeMisses(req, keys, missing, lookup.available);
    if (computed.whole) return done(computed.whole, status);
    missing.forEach((r, i) => (found[r] = computed.rows[i]));
    return done(assemble(view, found as RowOutputs[]), status);
  }

  /**
   * Runs the missing rows once per distinct key, sharing inferences already in flight. `whole` is set
   * when every row was missing, distinct and run here: the run's outputs are then the answer as they are.
   */
  private async computeMisses(
    req: InferenceRequest,
    keys: string[],
    missing: number[],
    writeBack: boolean,
  ): Promise<{ rows: RowOutputs[]; whole?: Tensor[] }> {
    const { model, inputs } = req;
    const waits = new Map<string, Promise<RowOutputs>>();
    const toRun: number[] = [];
    for (const r of missing) {
      const key = keys[r];
      if (waits.has(key)) continue;
      const shared = this.inflight.get(key)?.row;
      if (shared) waits.set(key, shared);
      else {
        toRun.push(r);
        waits.set(key, undefined as unknown as Promise<RowOutputs>);
      }
    }
    let whole: Tensor[] | undefined;
    if (toRun.length > 0) {
      const all = toRun.length === req.rows;
      // Every row missing and distinct (the usual miss): the request's own tensors, no copy.
      const run = this.run(
        model,
        all ? inputs : pickRows(inputs, toRun),
        toRun.length,
        fetchNames(model, req.selected),
      );
      const flights = toRun.map((r, i): Flight => {
        const row = run.then((o) => rowOf(model, o, i));
        row.catch(() => undefined);
        waits.set(keys[r], row);
        const flight = { row };
        this.inflight.set(keys[r], flight);
        return flight;
      });
      try {
        const out = await run;
        if (all) whole = out;
        if (writeBack && this.storable(model, out, toRun.length)) {
          const view = outputsView(model, fetchedSelection(model, req.selected));
          const entries = toRun.map((r, i) => ({ key: keys[r], value: encodeRowValue(view, out, i) }));
          // Not awaited: the answer is ready, and a slow cache must not hold it back.
          void traced('modelfn.cache.write', modelAttributes(model), () => this.cache.setMany(entries));
        }
      } finally {
        for (const r of toRun) this.inflight.delete(keys[r]);
        for (const f of flights) f.row = undefined;
      }
    }
    if (whole) return { rows: [], whole };
    return { rows: await Promise.all(missing.map((r) => waits.get(keys[r])!)) };
  }

  /**
   * Whether the run's rows are small enough to cache, judged before any value is encoded (a copy): a row
   * over CACHE_MAX_VALUE_BYTES (a segmentation map) would fill Redis and the L1 with values rarely asked
   * for again and hold up every reader of the connection; such rows are counted instead.
   */
  private storable(model: ReadyModel, outputs: Tensor[], rows: number): boolean {
    let bytes = 0;
    for (const t of outputs) {
      if (Array.isArray(t.data)) for (const s of t.data) bytes += 4 + Buffer.byteLength(s);
      else bytes += t.data.byteLength;
    }
    // Rows of a batch are alike in size but for strings; their average is close enough for a bound.
    if (bytes / Math.max(1, rows) <= this.maxValueBytes) return true;
    metrics.cacheTooLarge.inc({ model: model.name }, rows);
    return false;
  }
}
