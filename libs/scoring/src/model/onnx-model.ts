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

  /** Runs the inputs (config order): the fetched outputs in their order, and the run's own seconds. */
  run(inputs: Tensor[]): Promise<{ outputs: Tensor[]; seconds: number }> {
    return runSession(this.session, this.outputNames, inputs);
  }

  private released = false;

  /** Frees the session in this thread (once: the model may have moved to the pool before shutdown). */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.session.release();
  }
}
