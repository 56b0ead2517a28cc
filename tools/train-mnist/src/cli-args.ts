// Command-line options, and the inverse: the `trained_by` command recorded in config.json, which the
// reproducibility test parses back into the exact options that produced the committed model.
import { parseArgs } from 'node:util';
import { DEFAULT_TRAIN_OPTIONS, validateTrainOptions, type TrainOptions } from './train.js';

export interface CliOptions {
  out?: string;
  train: TrainOptions;
  help: boolean;
}

export const USAGE = `Usage: npm run train -- [options]
  --out <path>            where to write the ONNX model (default models/mnist/1/model.onnx);
                          config.json two levels up is updated when the path is <model>/<version>/model.onnx
  --seed <int>            PRNG seed (default ${DEFAULT_TRAIN_OPTIONS.seed})
  --epochs <int>          passes over the 60k training images (default ${DEFAULT_TRAIN_OPTIONS.epochs})
  --batch-size <int>      mini-batch size (default ${DEFAULT_TRAIN_OPTIONS.batchSize})
  --learning-rate <num>   peak learning rate, decays linearly to 0 (default ${DEFAULT_TRAIN_OPTIONS.learningRate})
  --momentum <num>        SGD momentum in [0, 1) (default ${DEFAULT_TRAIN_OPTIONS.momentum})
  --help                  show this text`;

const NUMERIC_FLAGS = {
  seed: 'seed',
  epochs: 'epochs',
  'batch-size': 'batchSize',
  'learning-rate': 'learningRate',
  momentum: 'momentum',
} as const satisfies Record<string, keyof TrainOptions>;

function toNumber(flag: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw new Error(`--${flag} needs a number, got "${text}"`);
  return n;
}

export function parseCliArgs(argv: string[]): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        out: { type: 'string' },
        seed: { type: 'string' },
        epochs: { type: 'string' },
        'batch-size': { type: 'string' },
        'learning-rate': { type: 'string' },
        momentum: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${USAGE}`);
  }
  const { values } = parsed;
  const train: TrainOptions = { ...DEFAULT_TRAIN_OPTIONS };
  for (const [flag, key] of Object.entries(NUMERIC_FLAGS)) {
    const text = values[flag as keyof typeof NUMERIC_FLAGS];
    if (text !== undefined) train[key] = toNumber(flag, text);
  }
  validateTrainOptions(train);
  return { out: values.out, train, help: values.help ?? false };
}

const TRAIN_COMMAND = 'npm run train --';

/** The command that reproduces `options`: always names the seed, plus any non-default hyperparameter. */
export function trainedByCommand(options: TrainOptions): string {
  const parts = [TRAIN_COMMAND, `--seed ${options.seed}`];
  for (const [flag, key] of Object.entries(NUMERIC_FLAGS)) {
    if (key !== 'seed' && options[key] !== DEFAULT_TRAIN_OPTIONS[key])
      parts.push(`--${flag} ${options[key]}`);
  }
  return parts.join(' ');
}

/** Inverse of trainedByCommand. */
export function parseTrainedBy(command: string): TrainOptions {
  if (!command.startsWith(`${TRAIN_COMMAND} `)) {
    throw new Error(`trained_by "${command}" should start with "${TRAIN_COMMAND}" followed by trainer flags`);
  }
  const args = command.slice(TRAIN_COMMAND.length).trim().split(/\s+/);
  const { train, out } = parseCliArgs(args);
  if (out !== undefined)
    throw new Error(`trained_by "${command}" must not contain --out; it does not affect bytes`);
  return train;
}
