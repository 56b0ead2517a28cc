import { ScoringError } from '../errors.js';
import type { ModelVersion } from './model-version.js';

/** Loads one version (reads, checks and opens its graphs); never throws, a refusal is an UNAVAILABLE version. */
export type VersionLoader = () => Promise<ModelVersion>;

/**
 * What makes a loaded version READY (its warm-up, its script's init); it throws why the version cannot serve,
 * and the loading (this module alone changes a version's state) makes it UNAVAILABLE with that reason.
 */
export type PrepareVersion = (version: ModelVersion) => Promise<void>;

export interface VersionToStart {
  /** The repository's object for the version: LOADING until it settles, then filled in place. */
  version: ModelVersion;
  load: VersionLoader;
  /** Smaller loads first (see start). */
  cost: number;
}

interface Pending extends VersionToStart {
  settled: Promise<void>;
  settle: () => void;
}

/**
 * Per-version readiness, as Triton and KServe have it: the host serves while versions load, each version
 * turns READY once its own load and warm-up are done, and a request for one still loading waits for it
 * (bounded). Versions load one after another, the cheapest first (by the size of their files), so a small
 * model answers while a large one still warms up: their runs share the event loop and the cores.
 */
export class VersionLoading {
  private readonly pending: Pending[];
  private readonly byVersion = new Map<ModelVersion, Pending>();
  private running: Promise<void> | undefined;
  /** Versions not settled yet. */
  private readonly open: Set<Pending>;
  private stopped = false;

  constructor(versions: VersionToStart[]) {
    this.pending = versions
      .map((v) => {
        let settle!: () => void;
        const settled = new Promise<void>((r) => (settle = r));
        return { ...v, settled, settle };
      })
      .sort((a, b) => a.cost - b.cost);
    for (const p of this.pending) this.byVersion.set(p.version, p);
    this.open = new Set(this.pending);
  }

  /** True while some version is still LOADING. */
  get active(): boolean {
    return this.open.size > 0;
  }

  /** Starts loading (once); resolves when every version is READY or UNAVAILABLE. */
  start(prepare?: PrepareVersion): Promise<void> {
    this.running ??= this.run(prepare);
    return this.running;
  }

  /** Resolves when every version has settled (loaded and warmed, or refused). */
  async settled(): Promise<void> {
    await Promise.all(this.pending.map((p) => p.settled));
  }

  /**
   * Waits until `version` has settled, at most `timeoutMs`; a version still loading then is refused with
   * 503 MODEL_LOADING and Retry-After, as KServe answers a model that is not ready.
   */
  async waitFor(version: ModelVersion, timeoutMs: number): Promise<void> {
    const p = this.byVersion.get(version);
    if (!p || version.state !== 'LOADING') return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([p.settled, new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
    if (version.state === 'LOADING') {
      throw new ScoringError(
        'MODEL_LOADING',
        `model "${version.name}" version ${version.version} is still loading after ${timeoutMs} ms (MODEL_LOAD_WAIT_MS); retry, or poll /v2/models/${version.name}/ready`,
      );
    }
  }

  /** No further version starts loading; resolves once the one under way has settled. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
    for (const p of this.pending) this.finish(p, 'the host is shutting down');
  }

  private async run(prepare: PrepareVersion | undefined): Promise<void> {
    for (const p of this.pending) {
      if (this.stopped) break;
      const v = p.version;
      try {
        const loaded = await p.load();
        delete v.reason;
        // In place: whoever holds the version (a waiting request, the runner's lanes) sees it load.
        Object.assign(v, loaded, loaded.state === 'READY' ? { state: 'LOADING' } : {});
        if (v.state === 'LOADING' && prepare) await prepare(v);
        if (v.state === 'LOADING') v.state = 'READY';
      } catch (e) {
        if (v.state === 'LOADING') v.reason = (e as Error).message;
      }
      this.finish(p, v.reason ?? 'loading failed');
    }
  }

  /** Settles a version: READY or UNAVAILABLE stay as they are, one still LOADING becomes UNAVAILABLE. */
  private finish(p: Pending, reason: string): void {
    if (!this.open.delete(p)) return;
    if (p.version.state === 'LOADING') {
      p.version.state = 'UNAVAILABLE';
      p.version.reason = reason;
    }
    p.settle();
  }
}
