import { describe, expect, it } from 'vitest';
import { parseCliArgs, parseTrainedBy, trainedByCommand } from '../src/cli-args.js';
import { DEFAULT_TRAIN_OPTIONS } from '../src/train.js';

describe('parseCliArgs', () => {
  it('defaults every hyperparameter', () => {
    expect(parseCliArgs([])).toEqual({ out: undefined, train: DEFAULT_TRAIN_OPTIONS, help: false });
  });

  it('reads --out, --seed and --epochs', () => {
    const o = parseCliArgs(['--out', 'x/1/model.onnx', '--seed', '7', '--epochs', '2']);
    expect(o.out).toBe('x/1/model.onnx');
    expect(o.train).toEqual({ ...DEFAULT_TRAIN_OPTIONS, seed: 7, epochs: 2 });
  });

  it('explains bad input', () => {
    expect(() => parseCliArgs(['--epochs', 'ten'])).toThrow(/--epochs needs a number, got "ten"/);
    expect(() => parseCliArgs(['--epochs', '0'])).toThrow(/epochs must be a positive integer/);
    expect(() => parseCliArgs(['--seed=-1'])).toThrow(/seed must be an integer in 0\.\.4294967295/);
    expect(() => parseCliArgs(['--momentum', '1'])).toThrow(/momentum must be in \[0, 1\)/);
    expect(() => parseCliArgs(['--bogus'])).toThrow(/Usage/);
  });
});

describe('trained_by command', () => {
  it('is "npm run train -- --seed N" for default hyperparameters', () => {
    expect(trainedByCommand(DEFAULT_TRAIN_OPTIONS)).toBe(
      `npm run train -- --seed ${DEFAULT_TRAIN_OPTIONS.seed}`,
    );
  });

  it('round-trips non-default options', () => {
    const options = { ...DEFAULT_TRAIN_OPTIONS, seed: 9, epochs: 3, learningRate: 0.05 };
    const command = trainedByCommand(options);
    expect(command).toBe('npm run train -- --seed 9 --epochs 3 --learning-rate 0.05');
    expect(parseTrainedBy(command)).toEqual(options);
  });

  it('rejects commands it cannot reproduce', () => {
    expect(() => parseTrainedBy('python train.py')).toThrow(/should start with "npm run train --"/);
    expect(() => parseTrainedBy('npm run train -- --seed 1 --out a.onnx')).toThrow(/must not contain --out/);
  });
});
