import * as ort from 'onnxruntime-node';
import { ScoringError } from '../errors.js';

export interface SessionOptions {
  intraOpThreads: number;
}

/**
 * One onnxruntime session per model version, created once and reused: session creation parses and
 * optimises the graph, which costs far more than a run.
 */
export class OnnxModel {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly inputName: string,
    readonly outputName: string,
  ) {}

  static async load(path: string, expected: { input: string; output: string }, opts: SessionOptions) {
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(path, {
        executionProviders: ['cpu'],
        graphOptimizationLevel: 'all',
        executionMode: 'sequential',
        intraOpNumThreads: opts.intraOpThreads,
        interOpNumThreads: 1,
      });
    } catch (e) {
      throw new ScoringError(
        'INVALID_MODEL',
        `${path} is not a loadable ONNX model: ${(e as Error).message}`,
        {
          cause: e,
        },
      );
    }
    if (!session.inputNames.includes(expected.input) || !session.outputNames.includes(expected.output)) {
      await session.release();
      throw new ScoringError(
        'INVALID_MODEL',
        `${path} has inputs [${session.inputNames}] and outputs [${session.outputNames}], ` +
          `but config.json declares input "${expected.input}" and output "${expected.output}"`,
      );
    }
    return new OnnxModel(session, expected.input, expected.output);
  }

  /** Runs `rows` rows of `features` values each and returns the output rows, contiguous. */
  async run(data: Float32Array, rows: number, features: number): Promise<Float32Array> {
    const feeds = { [this.inputName]: new ort.Tensor('float32', data, [rows, features]) };
    const out = await this.session.run(feeds, [this.outputName]);
    const tensor = out[this.outputName];
    return tensor.data as Float32Array;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
