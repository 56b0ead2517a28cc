import * as ort from 'onnxruntime-node';
import { ScoringError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { runSession } from './session-run.js';

export interface SessionOptions {
  intraOpThreads: number;
}

/** What a session was made from, so that a pool thread can make the same one. */
export interface SessionOrigin extends SessionOptions {
  /** The file, or the graph's bytes when it was adapted in memory. */
  source: string | Uint8Array;
}

/**
 * One onnxruntime session per model version, created once and reused: session creation parses and
 * optimises the graph, which costs far more than a run.
 */
export class OnnxModel {
  /** `outputNames`: the outputs every run fetches (the served ones, in config order). */
  constructor(
    readonly session: ort.InferenceSession,
    readonly outputNames: string[],
    readonly origin: SessionOrigin,
  ) {}

  /** `source` is the file, or bytes when the graph was adapted in memory (ZipMap outputs exposed). */
  static async createSession(
    source: string | Uint8Array,
    label: string,
    opts: SessionOptions,
  ): Promise<ort.InferenceSession> {
    const options: ort.InferenceSession.SessionOptions = {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      intraOpNumThreads: opts.intraOpThreads,
      interOpNumThreads: 1,
    };
    try {
      return typeof source === 'string'
        ? await ort.InferenceSession.create(source, options)
        : await ort.InferenceSession.create(source, options);
    } catch (e) {
      throw new ScoringError(
        'INVALID_MODEL',
        `${label} is not a loadable ONNX model: ${(e as Error).message}`,
        {
          cause: e,
        },
      );
    }
  }

  private released = false;
  /** Runs asked for and not settled yet; `idle` is called when the last one settles. */
  private pending = 0;
  private idle: (() => void) | undefined;

  /**
   * Runs the inputs (config order): the fetched outputs in their order, and the run's own seconds. `fetch`
   * (a selection) asks onnxruntime for those outputs only: the others are never copied out of the session.
   */
  async run(inputs: Tensor[], fetch?: string[]): Promise<{ outputs: Tensor[]; seconds: number }> {
    this.pending++;
    try {
      return await runSession(this.session, fetch ?? this.outputNames, inputs);
    } finally {
      if (--this.pending === 0) this.idle?.();
    }
  }

  /**
   * Frees the session in this thread (once: the model may have moved to the pool before shutdown), after the
   * runs already asked for: onnxruntime starts a run in a later turn of the loop, and one that found its
   * session released failed with "Session already disposed" (seen when a model moved to the pool while a
   * run here was queued).
   */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    if (this.pending > 0) await new Promise<void>((resolve) => (this.idle = resolve));
    await this.session.release();
  }
}
