import type { InferencePool } from '../pool/inference-pool.js';
import type { SessionSpec } from '../pool/worker-protocol.js';

/**
 * Where one model version runs: in this thread, or in the inference pool. Decided from measurement, not by
 * name: every model starts here, and moves to the pool once its runs average more than `inlineMaxSeconds`
 * (a run here blocks every cache hit, health probe and lock renewal for as long as it lasts, while a run
 * in the pool costs a message each way and a copy of the inputs — a few tens of microseconds).
 */
export class Placement {
  where: 'inline' | 'moving' | 'pool' = 'inline';
  /** Exponentially weighted mean of the run time here, in seconds. */
  private mean: number | undefined;
  private failure: string | undefined;

  constructor(
    /** Undefined for a model made in this thread only (a test's stand-in): it never moves. */
    private readonly spec: SessionSpec | undefined,
    private readonly pool: InferencePool | undefined,
    private readonly inlineMaxSeconds: number,
  ) {}

  get key(): string {
    return this.spec?.key ?? '';
  }

  /** Records a run here; starts the move when they cost too much. Resolves when the move is done. */
  observe(seconds: number): Promise<void> | undefined {
    this.mean = this.mean === undefined ? seconds : this.mean * 0.8 + seconds * 0.2;
    if (
      this.where !== 'inline' ||
      !this.pool ||
      !this.spec ||
      this.failure ||
      this.mean <= this.inlineMaxSeconds
    )
      return undefined;
    this.where = 'moving';
    return this.pool.register(this.spec).then(
      () => {
        this.where = 'pool';
      },
      (e: unknown) => {
        // The session loaded here, so a failure in a thread is the pool's: keep serving from this thread.
        this.failure = e instanceof Error ? e.message : String(e);
        this.where = 'inline';
      },
    );
  }

  /** Why the model stayed in this thread though it is slow, if it did. */
  get problem(): string | undefined {
    return this.failure;
  }
}
