// Public API of the MNIST trainer. Other projects use it mainly to load the MNIST test set for accuracy
// checks of served models.
export { loadMnist, mnistDataDir, parseIdx, readIdxFile } from './idx.js';
export type { IdxArray, MnistSet, MnistSplit } from './idx.js';
export { PIXEL_SCALE, toFloatInputs, toSparseRows } from './inputs.js';
export type { SparseRows } from './inputs.js';
export { accuracyOf, argmax, forward, forwardSparse, initMlp, softmaxInPlace } from './mlp.js';
export type { Mlp, MlpShape } from './mlp.js';
export { DEFAULT_TRAIN_OPTIONS, trainMlp } from './train.js';
export { mulberry32, type Rng } from './prng.js';
export type { EpochReport, TrainOptions, TrainResult } from './train.js';
export { encodeMlpOnnx, INPUT_NAME, OUTPUT_NAME } from './onnx-writer.js';
export { MNIST_CLASSES, sha256Hex, trainMnist } from './pipeline.js';
export type { MnistTrainingRun } from './pipeline.js';
export { configTarget, defaultMnistConfig, readModelConfig, updateModelConfig } from './model-config.js';
export type { ModelConfig, VersionEntry } from './model-config.js';
export { parseTrainedBy, trainedByCommand } from './cli-args.js';
export { DEFAULT_CONFIG_PATH, DEFAULT_MODEL_PATH, REPO_ROOT } from './paths.js';
