// The whole train-and-export run, shared by the CLI and the reproducibility test so the test checks the
// exact code path that produced the committed model.
import { createHash } from 'node:crypto';
import { loadMnist, type MnistSet } from './idx.js';
import { toSparseRows } from './inputs.js';
import { accuracyOf, forwardSparse, type Mlp } from './mlp.js';
import { encodeMlpOnnx } from './onnx-writer.js';
import { DEFAULT_TRAIN_OPTIONS, trainMlp, type EpochReport, type TrainOptions } from './train.js';

export const MNIST_CLASSES = 10;

export interface MnistTrainingRun {
  model: Mlp;
  onnx: Uint8Array;
  sha256: string;
  testAccuracy: number;
  epochs: EpochReport[];
  trainSeconds: number;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function trainMnist(
  options: TrainOptions = DEFAULT_TRAIN_OPTIONS,
  onEpoch?: (report: EpochReport) => void,
  data: { train: MnistSet; test: MnistSet } = { train: loadMnist('train'), test: loadMnist('test') },
): MnistTrainingRun {
  const { train, test } = data;
  const width = train.rows * train.cols;
  const started = performance.now();
  const { model, epochs } = trainMlp(
    { rows: toSparseRows(train.images, train.count, width), labels: train.labels, classes: MNIST_CLASSES },
    options,
    onEpoch,
  );
  const trainSeconds = (performance.now() - started) / 1000;
  const probabilities = forwardSparse(model, toSparseRows(test.images, test.count, test.rows * test.cols));
  const testAccuracy = accuracyOf(probabilities, test.labels, MNIST_CLASSES);
  const onnx = encodeMlpOnnx(model);
  return { model, onnx, sha256: sha256Hex(onnx), testAccuracy, epochs, trainSeconds };
}
