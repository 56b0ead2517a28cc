import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { ScoringError } from '../errors.js';
import { metrics } from '../metrics.js';
import { folderPrint, modelFilesPrint } from './folder-print.js';
import type { PartialModelConfig } from './model-config.js';
import { readModelFolder, versionToStart, type ModelFolder, type ScanOptions } from './model-scan.js';
import type { ModelVersion } from './model-version.js';
import { RequestDrain } from './request-drain.js';
import type { PrepareVersion } from './version-loading.js';

export interface ModelControlOptions {
  mode: 'poll' | 'explicit';
  /** Between the end of one poll and the start of the next (poll mode). */
  pollIntervalMs: number;
  /** Brings the local copy up to date before the folder is read (a blob repository's sync). */
  refresh?: () => Promise<void>;
  /** What makes a loaded version READY (the scorer's warm-up and entry-script init); throws why not. */
  prepare: PrepareVersion;
  /** Frees everything a version holds (sessions, lanes, script threads), once no request can use it. */
  release: (version: ModelVersion) => Promise<void>;
}

/** The repository's served versions, as model control reads and swaps them. */
export interface ServedModels {
  readonly root: string;
  /** MODELS; undefined: every model. */
  readonly wanted: ReadonlySet<string> | undefined;
  readonly scan: ScanOptions;
  get(name: string): ModelVersion[] | undefined;
  /** Swaps a model's served versions at once (undefined: no longer served), with its config.json's traffic. */
  set(name: string, versions: ModelVersion[] | undefined, file?: PartialModelConfig): void;
  names(): string[];
  /** Resolves when the versions loaded at start have settled. */
  started(): Promise<void>;
}

/** One version's row of the repository index (Triton's format). */
export interface IndexEntry {
  name: string;
  version: string;
  state: ModelVersion['state'];
  reason?: string;
}

interface Failure {
  /** The files the failed attempt read: the same files are not tried again until they change. */
  print: string;
  reason: string;
}

const log = pino({ name: 'model-control', level: process.env.LOG_LEVEL || 'info' });
const key = (name: string, version: string) => `${name}/${version}`;

/**
 * Triton's model control for a running host (MODEL_CONTROL_MODE poll or explicit): a model folder is read
 * again, and each version whose files changed (config.json, labels, entry script, the version folder) is
 * loaded and warmed aside, then swapped in at once; a version that fails keeps the one loaded before
 * serving, and is reported. Replaced and removed versions are drained (see RequestDrain) and released.
 * One update runs at a time: polls and API calls queue.
 */
export class ModelControl {
  readonly drain = new RequestDrain();
  /** The files each served version was loaded from. */
  private readonly prints = new WeakMap<ModelVersion, string>();
  private readonly failures = new Map<string, Failure>();
  /** Models whose folder cannot be read now (a broken config.json): their versions loaded before serve. */
  private readonly folderProblems = new Map<string, string>();
  private readonly retiring = new Set<Promise<void>>();
  private queue: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private wakeClosing!: () => void;
  private readonly closing = new Promise<void>((r) => (this.wakeClosing = r));

  constructor(
    private readonly opts: ModelControlOptions,
    private readonly served: ServedModels,
  ) {}

  get mode(): 'poll' | 'explicit' {
    return this.opts.mode;
  }

  /** Records what the versions read at start were loaded from, then starts polling (poll mode). */
  async start(): Promise<void> {
    for (const name of this.served.names()) {
      const dir = join(this.served.root, name);
      const model = await modelFilesPrint(dir);
      for (const v of this.served.get(name) ?? [])
        this.prints.set(v, await versionPrint(dir, model, v.version));
    }
    if (this.opts.mode === 'poll') this.schedule();
  }

  /** Reads the whole repository again now (a poll; the Event Grid poke's entry). Nothing in explicit mode. */
  async poll(): Promise<void> {
    if (this.opts.mode !== 'poll') return;
    return this.serial(async () => {
      if (!(await this.refreshed())) return metrics.repositoryPolls.inc({ outcome: 'unreadable' });
      const names = new Set([...this.served.names(), ...(await folders(this.served.root))]);
      for (const name of names) {
        if (this.stopping) return;
        if (this.served.wanted && !this.served.wanted.has(name)) continue;
        await this.update(name, false);
      }
      // Counted once every change it found is served: a poll that ended saw (and serves) every upload made
      // before it began, which is how a test tells "within two polls" without timing anything.
      metrics.repositoryPolls.inc({ outcome: 'read' });
    });
  }

  /**
   * Triton's load: the model (re)loaded from the repository now, every served version built aside and
   * swapped in when ready. Throws MODEL_LOAD_FAILED naming the versions that failed (those loaded before
   * keep serving), MODEL_NOT_FOUND for a model the repository (or MODELS) does not have.
   */
  async load(name: string): Promise<IndexEntry[]> {
    this.mayChange(name);
    return this.serial(async () => {
      if (!(await this.refreshed())) {
        throw new ScoringError('MODEL_LOAD_FAILED', `the model repository cannot be read now (see the log)`);
      }
      if (!(await isDir(join(this.served.root, name)))) {
        throw new ScoringError(
          'MODEL_NOT_FOUND',
          `model "${name}" is not in the repository ${this.served.root}`,
        );
      }
      await this.update(name, true);
      const entries = this.entries(name);
      const failed = entries.filter((e) => e.state !== 'READY' || e.reason);
      if (failed.length > 0) {
        throw new ScoringError(
          'MODEL_LOAD_FAILED',
          `failed to load "${name}": ${failed.map((e) => `version ${e.version}: ${e.reason ?? e.state}`).join('; ')}`,
        );
      }
      return entries;
    });
  }

  /**
   * Triton's unload: the model stops being served (its versions answer MODEL_NOT_READY "unloaded" and are
   * listed so in the index); resolves once the requests running on it have finished and it is released.
   */
  async unload(name: string): Promise<IndexEntry[]> {
    this.mayChange(name);
    return this.serial(async () => {
      const current = this.served.get(name);
      if (!current) throw new ScoringError('MODEL_NOT_FOUND', `model "${name}" is not served`);
      const reason = `unloaded (POST /v2/repository/models/${name}/load serves it again)`;
      const placeholders = current.map((v) => unloaded(v, reason));
      this.served.set(name, placeholders);
      for (const v of current) this.failures.delete(key(name, v.version));
      this.folderProblems.delete(name);
      await this.retire(current);
      log.info({ model: name }, 'model unloaded');
      return this.entries(name);
    });
  }

  /** The index rows of a model (Triton's format): each served version's state, and why when it has one. */
  entries(name: string): IndexEntry[] {
    return (this.served.get(name) ?? []).map((v) => ({
      name,
      version: v.version,
      state: v.state,
      ...(v.reason ? { reason: v.reason } : {}),
    }));
  }

  /** Stops polling, waits for the update under way, and releases retired versions without waiting further. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.wakeClosing();
    await this.queue.catch(() => undefined);
    await Promise.all([...this.retiring]);
  }

  private mayChange(name: string): void {
    if (this.opts.mode !== 'explicit') {
      throw new ScoringError(
        'MODEL_CONTROL_DISABLED',
        `MODEL_CONTROL_MODE=poll: the repository decides what is served (a change there reaches every instance within MODEL_POLL_INTERVAL_S); set MODEL_CONTROL_MODE=explicit to load and unload "${name}" through this API`,
      );
    }
    if (this.served.wanted && !this.served.wanted.has(name)) {
      throw new ScoringError(
        'MODEL_NOT_FOUND',
        `model "${name}" is not served by this app (MODELS leaves it out)`,
      );
    }
    if (this.stopping) throw new ScoringError('UNAVAILABLE', 'the host is shutting down');
  }

  private schedule(): void {
    if (this.stopping) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.poll().finally(() => this.schedule());
    }, this.opts.pollIntervalMs);
    // A poll never keeps a process alive on its own; close() clears it.
    this.timer.unref();
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      await this.served.started();
      return work();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The local copy brought up to date; false (logged) when the repository cannot be read now. */
  private async refreshed(): Promise<boolean> {
    try {
      await this.opts.refresh?.();
      return true;
    } catch (e) {
      log.warn({ err: (e as Error).message }, 'model repository not read; the loaded versions keep serving');
      return false;
    }
  }

  /** Brings one model in line with its folder; `force` loads every served version again (Triton's load). */
  private async update(name: string, force: boolean): Promise<void> {
    await this.reconcile(name, force);
    this.annotate(name);
  }

  /**
   * A READY version carries why its folder's newer files are not served (the index, metadata and the
   * not-ready answers show a version's reason): a reload that failed, or a folder that cannot be read.
   */
  private annotate(name: string): void {
    const problem = this.folderProblems.get(name);
    for (const v of this.served.get(name) ?? []) {
      if (v.state !== 'READY') continue;
      const failure = this.failures.get(key(name, v.version));
      if (problem) v.reason = `${problem}; the versions loaded before keep serving`;
      else if (failure)
        v.reason = `reload failed: ${failure.reason}; the version loaded before keeps serving`;
      else delete v.reason;
    }
  }

  private async reconcile(name: string, force: boolean): Promise<void> {
    const dir = join(this.served.root, name);
    const current = this.served.get(name);
    if (!(await isDir(dir))) return this.remove(name, current, 'its folder was removed');
    let folder: ModelFolder;
    try {
      folder = await readModelFolder(dir, name);
    } catch (e) {
      const reason = (e as Error).message;
      if (/has no version folders/.test(reason)) return this.remove(name, current, 'it has no version left');
      if (this.folderProblems.get(name) !== reason) {
        this.folderProblems.set(name, reason);
        metrics.modelLoadFailures.inc({ model: name, version: '' });
        log.warn({ model: name, reason }, 'model folder not read; the versions loaded before keep serving');
      }
      return;
    }
    this.folderProblems.delete(name);
    const modelPrint = await modelFilesPrint(dir);
    const next: ModelVersion[] = [];
    for (const version of folder.served) {
      const print = await versionPrint(dir, modelPrint, version);
      const old = current?.find((v) => v.version === version);
      const failure = this.failures.get(key(name, version));
      if (!force && old && (this.prints.get(old) === print || failure?.print === print)) {
        next.push(old);
        continue;
      }
      const loaded = await this.loadAside(folder, version);
      if (loaded.state === 'READY') {
        this.failures.delete(key(name, version));
        this.prints.set(loaded, print);
        next.push(loaded);
        metrics.modelLoads.inc({ model: name, version });
        log.info(
          { model: name, version, sha256: loaded.sha256 },
          old ? 'model version reloaded' : 'model version loaded',
        );
        continue;
      }
      this.failures.set(key(name, version), { print, reason: loaded.reason ?? 'not loadable' });
      metrics.modelLoadFailures.inc({ model: name, version });
      log.warn(
        { model: name, version, reason: loaded.reason },
        old?.state === 'READY'
          ? 'model version failed to load; the version loaded before keeps serving'
          : 'model version failed to load',
      );
      if (old?.state === 'READY') next.push(old);
      else {
        this.prints.set(loaded, print);
        next.push(loaded);
      }
    }
    // Under "latest", a version the policy moved past keeps serving while a newer one cannot (Triton
    // unloads the old versions only once the new ones have loaded).
    const policy = folder.file?.version_policy;
    if (!policy?.all && !policy?.specific && next.some((v) => v.state !== 'READY')) {
      for (const v of current ?? []) {
        if (v.state === 'READY' && !next.some((n) => n.version === v.version))
          if (folder.available.includes(Number(v.version))) next.push(v);
      }
    }
    next.sort((a, b) => Number(a.version) - Number(b.version));
    for (const v of current ?? []) {
      if (!next.some((n) => n.version === v.version)) this.failures.delete(key(name, v.version));
    }
    if (current && next.length === current.length && next.every((v, i) => v === current[i])) return;
    this.served.set(name, next, folder.file);
    const retired = (current ?? []).filter((v) => !next.includes(v));
    for (const v of retired)
      if (!folder.served.includes(v.version))
        log.info({ model: name, version: v.version }, 'model version removed');
    // Not awaited: a poll goes on while the requests on the old versions finish.
    void this.retire(retired);
  }

  private async remove(name: string, current: ModelVersion[] | undefined, why: string): Promise<void> {
    for (const k of [...this.failures.keys()]) if (k.startsWith(`${name}/`)) this.failures.delete(k);
    this.folderProblems.delete(name);
    if (!current) return;
    this.served.set(name, undefined);
    log.info({ model: name, why }, 'model removed');
    void this.retire(current);
  }

  /** One version loaded and prepared aside, READY; or UNAVAILABLE with the reason, holding nothing. */
  private async loadAside(folder: ModelFolder, version: string): Promise<ModelVersion> {
    const start = await versionToStart(folder, version, this.served.scan);
    let loaded: ModelVersion;
    try {
      loaded = await start.load();
    } catch (e) {
      return { ...start.version, state: 'UNAVAILABLE', reason: (e as Error).message };
    }
    if (loaded.state !== 'READY') return loaded;
    try {
      await this.opts.prepare(loaded);
      return loaded;
    } catch (e) {
      await this.opts.release(loaded).catch(() => undefined);
      return unloaded(loaded, (e as Error).message);
    }
  }

  /**
   * Releases versions no request can find any more, once the requests that could have found them have
   * finished (at once when the host is closing: its requests were drained before).
   */
  private retire(versions: ModelVersion[]): Promise<void> {
    if (versions.length === 0) return Promise.resolve();
    const quiet = this.drain.quiesce();
    const done = Promise.race([quiet, this.closing]).then(async () => {
      for (const v of versions) {
        await this.opts
          .release(v)
          .catch((e: unknown) =>
            log.warn({ model: v.name, version: v.version, err: (e as Error).message }, 'release failed'),
          );
        metrics.modelUnloads.inc({ model: v.name, version: v.version });
      }
    });
    this.retiring.add(done);
    void done.finally(() => this.retiring.delete(done));
    return done;
  }
}

/** What a version serves that no longer can: its metadata, no session. */
function unloaded(v: ModelVersion, reason: string): ModelVersion {
  const { model: _model, entry: _entry, ...rest } = v;
  return { ...rest, state: 'UNAVAILABLE', reason };
}

async function versionPrint(dir: string, modelPrint: string, version: string): Promise<string> {
  return `${modelPrint}\n--\n${await folderPrint(join(dir, version))}`;
}

async function isDir(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

async function folders(root: string): Promise<string[]> {
  const names = await readdir(root).catch(() => [] as string[]);
  const out: string[] = [];
  for (const n of names) if (!n.startsWith('.') && (await isDir(join(root, n)))) out.push(n);
  return out;
}
