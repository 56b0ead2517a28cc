import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ScoringError } from '../errors.js';
import type { ModelVersion, ReadyModel } from './model-version.js';
import { ModelControl, type IndexEntry, type ModelControlOptions } from './model-control.js';
import type { PartialModelConfig } from './model-config.js';
import { scanModel, type EntryVersionLoader } from './model-scan.js';
import type { RequestDrain } from './request-drain.js';
import {
  chooseVersion,
  heaviestVersion,
  trafficShares,
  trafficTable,
  unservedTrafficVersions,
  type RandomSource,
  type TrafficTable,
  type TrafficWeights,
} from './traffic.js';
import { VersionLoading, type PrepareVersion, type VersionToStart } from './version-loading.js';

export type { EntryVersionLoader, VersionToLoad } from './model-scan.js';

export interface RepositoryOptions {
  root: string;
  defaultModel?: string;
  /**
   * The models this app serves (MODELS); the repository's others are neither opened nor loaded, so an app
   * serving mnist does not pay OCR's memory and start-up. Undefined: every model.
   */
  models?: readonly string[];
  intraOpThreads: number;
  /** Without it, a folder with an entry script is reported as not servable. */
  loadEntryVersion?: EntryVersionLoader;
  /** The draw behind config.json `traffic` (default Math.random); tests inject a seeded one. */
  random?: RandomSource;
}

export interface ModelSummary {
  name: string;
  versions: string[];
  latest: string | undefined;
  ready: boolean;
  /** Present while some version is still loading. */
  loading?: true;
  /** Why no version can serve, when none can. */
  reason?: string;
  /** With config.json `traffic`: each version's share (percent) of the requests naming none, as split now. */
  traffic?: Record<string, number>;
}

/**
 * A Triton-style model repository: `<root>/<model>/<version>/model.onnx`, an optional
 * `<root>/<model>/config.json` (auto-completed from the ONNX signature) and `labels.txt`.
 * Versions are positive integers; the version policy (latest N, all, specific) decides which are served.
 */
export class ModelRepository {
  private constructor(
    readonly root: string,
    private readonly byName: Map<string, ModelVersion[]>,
    /** DEFAULT_MODEL, else the one chosen when the first model was served (see defaultModel). */
    private chosenDefault: string | undefined,
    readonly problems: string[],
    private readonly loading: VersionLoading,
    /** Models in the repository that MODELS left out: named in a not-found error, so nobody hunts for them. */
    private readonly leftOut: ReadonlySet<string> = new Set(),
    /** Per model, config.json `traffic`: one frozen table, replaced whole (setTraffic), never edited. */
    private readonly traffic = new Map<string, TrafficTable>(),
    private readonly random: RandomSource = Math.random,
    /** MODELS, in its order: its first model served is the default. */
    private readonly wantedOrder: readonly string[] = [],
  ) {}

  /**
   * The model a request that names none is sent to: DEFAULT_MODEL, else the first of MODELS served, else
   * the first served by name. Chosen once, when the first model is served: a host that started on an empty
   * repository (a container before its first upload) gets its default from what is uploaded, and a model
   * added later never takes the default over.
   */
  get defaultModel(): string | undefined {
    if (this.chosenDefault === undefined && this.byName.size > 0) {
      const names = [...this.byName.keys()].sort();
      this.chosenDefault = this.wantedOrder.find((m) => this.byName.has(m)) ?? names[0];
    }
    return this.chosenDefault;
  }

  /** Scans the repository and loads every version; they are READY or UNAVAILABLE when it resolves. */
  static async load(opts: RepositoryOptions): Promise<ModelRepository> {
    const repo = await ModelRepository.open(opts);
    await repo.startLoading();
    return repo;
  }

  /**
   * Scans the repository (folders, config files, which versions are served) without loading a graph: every
   * version is LOADING until startLoading has loaded (and `prepare` warmed) it.
   */
  static async open(opts: RepositoryOptions): Promise<ModelRepository> {
    let entries: string[];
    try {
      entries = (await readdir(opts.root)).sort();
    } catch (e) {
      throw new ScoringError(
        'INVALID_MODEL',
        `model repository ${opts.root} cannot be read (MODEL_REPOSITORY)`,
        {
          cause: e,
        },
      );
    }
    const byName = new Map<string, ModelVersion[]>();
    const problems: string[] = [];
    const toLoad: VersionToStart[] = [];
    const traffic = new Map<string, TrafficTable>();
    const wanted = opts.models ? new Set(opts.models) : undefined;
    const leftOut = new Set<string>();
    const folders: string[] = [];
    for (const name of entries) {
      if ((await stat(join(opts.root, name))).isDirectory()) folders.push(name);
    }
    for (const name of folders) {
      const dir = join(opts.root, name);
      if (wanted && !wanted.has(name)) {
        leftOut.add(name);
        continue;
      }
      try {
        const scanned = await scanModel(dir, name, opts);
        byName.set(
          name,
          scanned.map((s) => s.version),
        );
        toLoad.push(...scanned);
        // Before loading, a version's config is its folder's config.json as parsed (checked).
        const table = trafficTable(scanned[0]?.version.config.traffic);
        if (table) traffic.set(name, table);
        const unserved = table ? unservedTrafficVersions(byName.get(name)!, table) : [];
        if (unserved.length > 0)
          problems.push(
            `model "${name}": config.json traffic names version ${unserved.join(', ')}, which is not served (no such folder, or version_policy leaves it out); its weight goes to the others`,
          );
      } catch (e) {
        problems.push((e as Error).message);
      }
    }
    for (const name of opts.models ?? []) {
      if (!folders.includes(name)) {
        problems.push(`MODELS names "${name}", which is not in ${opts.root} (have: ${folders.join(', ')})`);
      }
    }
    const names = [...byName.keys()];
    if (opts.defaultModel && !byName.has(opts.defaultModel)) {
      problems.push(
        `DEFAULT_MODEL "${opts.defaultModel}" is not in ${opts.root} (have: ${names.join(', ')})`,
      );
    }
    return new ModelRepository(
      opts.root,
      byName,
      opts.defaultModel,
      problems,
      new VersionLoading(toLoad),
      leftOut,
      traffic,
      opts.random,
      opts.models,
    );
  }

  /**
   * Loads the versions in the background, cheapest first, each READY once loaded and `prepare`d (warmed up);
   * resolves when all have settled. Called once; later calls return the same promise.
   */
  startLoading(prepare?: PrepareVersion): Promise<void> {
    return this.loading.start(prepare);
  }

  /** True while some version is still LOADING. */
  get isLoading(): boolean {
    return this.loading.active;
  }

  /** No version starts loading any more; resolves once the one under way has settled (before closing). */
  stopLoading(): Promise<void> {
    return Promise.all([this.loading.stop(), this.control?.stop()]).then(() => undefined);
  }

  /** Resolves when every version is READY or UNAVAILABLE. */
  settled(): Promise<void> {
    return this.loading.settled();
  }

  /**
   * Waits (at most `timeoutMs`) for the version a request means to finish loading; throws MODEL_LOADING
   * (503, Retry-After) if it has not by then. Returns at once for a version that is not loading.
   */
  async whenLoaded(name: string | undefined, version: string | undefined, timeoutMs: number): Promise<void> {
    await this.loading.waitFor(this.find(name, version), timeoutMs);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  summaries(): ModelSummary[] {
    return this.names().map((name) => {
      const versions = this.byName.get(name)!;
      return {
        name,
        versions: versions.map((v) => v.version),
        latest: versions.at(-1)?.version,
        ready: versions.some((v) => v.state === 'READY'),
        ...(versions.some((v) => v.state === 'LOADING') ? { loading: true as const } : {}),
        ...(versions.every((v) => v.state !== 'READY')
          ? { reason: versions.map((v) => `version ${v.version}: ${v.reason}`).join('; ') }
          : {}),
        ...this.trafficOf(name),
      };
    });
  }

  /** A model's traffic shares as split now (see trafficShares), for summaries and the repository index. */
  trafficOf(name: string): { traffic?: Record<string, number> } {
    const table = this.traffic.get(name);
    const versions = this.byName.get(name);
    return table && versions ? { traffic: trafficShares(versions, table) } : {};
  }

  /**
   * Replaces a model's traffic table with config.json's (checked) `traffic`, or drops it: one Map.set, so a
   * request reads the old table or the new one, never a mix. A reload that re-reads config.json calls it.
   */
  setTraffic(name: string, weights: TrafficWeights | undefined): void {
    const table = trafficTable(weights);
    if (table) this.traffic.set(name, table);
    else this.traffic.delete(name);
  }

  /**
   * The version a request that names none is sent to, drawn by the model's config.json `traffic` (see
   * chooseVersion): undefined when the model has no traffic table (find's default applies) or is unknown
   * (find says so). Throws MODEL_NOT_READY when no weighted version can answer. Call it once per request.
   */
  route(name: string | undefined): string | undefined {
    const modelName = name ?? this.defaultModel;
    const table = modelName === undefined ? undefined : this.traffic.get(modelName);
    const versions = table && this.byName.get(modelName!);
    return versions ? chooseVersion(modelName!, versions, table, this.random).version : undefined;
  }

  versions(name: string): ModelVersion[] {
    const versions = this.byName.get(name);
    if (!versions) {
      const why = this.leftOut.has(name)
        ? `model "${name}" is in the repository but this app does not serve it (MODELS leaves it out)`
        : `unknown model "${name}"`;
      throw new ScoringError('MODEL_NOT_FOUND', `${why}; served models: ${this.names().join(', ')}`);
    }
    return versions;
  }

  /**
   * The version a request means: an explicit one, else (deterministic, for metadata and limits; a request is
   * routed once with `route`) the one config.json `traffic` weighs most among those that can answer, else
   * the newest version that is ready or still loading (else the newest). Does not check readiness, so
   * metadata of an unavailable model can still be read.
   */
  find(name: string | undefined, version?: string): ModelVersion {
    const modelName = name ?? this.defaultModel;
    if (!modelName) throw new ScoringError('MODEL_NOT_FOUND', `no model is served from ${this.root}`);
    const versions = this.versions(modelName);
    if (version === undefined || version === '') {
      const table = this.traffic.get(modelName);
      const heaviest = table && heaviestVersion(versions, table);
      if (heaviest) return heaviest;
      const ready = versions.filter((v) => v.state !== 'UNAVAILABLE');
      return (ready.length > 0 ? ready : versions).at(-1)!;
    }
    const found = versions.find((v) => v.version === version);
    if (!found) {
      throw new ScoringError(
        'VERSION_NOT_FOUND',
        `model "${modelName}" has no served version "${version}"; served: ${versions.map((v) => v.version).join(', ')}`,
      );
    }
    return found;
  }

  /** Like find, but only a version that can run. */
  ready(name: string | undefined, version?: string): ReadyModel {
    const v = this.find(name, version);
    if (v.entry) {
      throw new ScoringError(
        'INVALID_INPUT',
        `model "${v.name}" answers through its entry script (${v.entry.scriptPath.split('/').pop()}): send the raw request to /score, a blob or a message`,
      );
    }
    if (v.state === 'LOADING') {
      throw new ScoringError(
        'MODEL_LOADING',
        `model "${v.name}" version ${v.version} is still loading; retry, or poll /v2/models/${v.name}/ready`,
      );
    }
    if (v.state !== 'READY' || !v.model) {
      throw new ScoringError(
        'MODEL_NOT_READY',
        `model "${v.name}" version ${v.version} is not ready: ${v.reason}`,
      );
    }
    return v as ReadyModel;
  }

  isReady(): boolean {
    return [...this.byName.values()].some((vs) => vs.some((v) => v.state === 'READY'));
  }

  private control: ModelControl | undefined;

  /**
   * Model control (MODEL_CONTROL_MODE poll or explicit, see ModelControl): versions are loaded, reloaded and
   * unloaded while the host serves. Call once, before startLoading; polling starts with it.
   */
  async enableControl(opts: ModelControlOptions & { scan: RepositoryOptions }): Promise<ModelControl> {
    const wanted = opts.scan.models ? new Set(opts.scan.models) : undefined;
    this.control = new ModelControl(opts, {
      root: this.root,
      wanted,
      scan: opts.scan,
      get: (name) => this.byName.get(name),
      // One synchronous step: a request finds the old versions or the new ones, with their traffic.
      set: (name, versions, file?: PartialModelConfig) => {
        if (versions) this.byName.set(name, versions);
        else this.byName.delete(name);
        this.setTraffic(name, versions ? file?.traffic : undefined);
      },
      names: () => this.names(),
      started: () => this.loading.settled(),
    });
    await this.control.start();
    return this.control;
  }

  /** Counts requests while model control may retire versions under them; undefined without it. */
  get drain(): RequestDrain | undefined {
    return this.control?.drain;
  }

  /** Triton's `POST /v2/repository/models/{m}/load`; MODEL_CONTROL_DISABLED unless MODEL_CONTROL_MODE=explicit. */
  async loadModel(name: string): Promise<IndexEntry[]> {
    return this.controlled(name).load(name);
  }

  /** Triton's `POST /v2/repository/models/{m}/unload`: drained, then released. */
  async unloadModel(name: string): Promise<IndexEntry[]> {
    return this.controlled(name).unload(name);
  }

  /** Reads the repository again now, as a poll does (poll mode); nothing without model control. */
  async poll(): Promise<void> {
    await this.control?.poll();
  }

  private controlled(name: string): ModelControl {
    if (this.control) return this.control;
    throw new ScoringError(
      'MODEL_CONTROL_DISABLED',
      `MODEL_CONTROL_MODE=none: the repository is read once at start; set MODEL_CONTROL_MODE=explicit to load and unload "${name}" through this API (or poll to follow the repository)`,
    );
  }

  async close(): Promise<void> {
    await Promise.all([this.loading.stop(), this.control?.stop()]);
    for (const versions of this.byName.values()) {
      for (const v of versions) await v.model?.release();
    }
  }
}
