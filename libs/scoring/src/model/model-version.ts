import type { EntryScript } from '../entry-script/types.js';
import type { ImagePreprocessing } from './image-preprocessing.js';
import type { ImageOutput } from './image-postprocessing.js';
import type { Classification } from './classification.js';
import type { Detection } from './detection-config.js';
import type { IoSpec } from './io-spec.js';
import type { ModelConfig } from './model-config.js';
import type { OnnxModel } from './onnx-model.js';

/** Triton's states: LOADING until the version is loaded and warmed up, then READY or UNAVAILABLE. */
export type ModelState = 'READY' | 'UNAVAILABLE' | 'LOADING';

/** A loaded (or refused) version of a model, with everything the scoring path needs to know about it. */
export interface ModelVersion {
  name: string;
  version: string;
  /** The effective config (config.json over the ONNX signature); for a refused version, the file's. */
  config: ModelConfig;
  path: string;
  sha256: string;
  state: ModelState;
  reason?: string;
  /** dim 0 of every input and output is the batch (max_batch_size > 0). */
  batched: boolean;
  inputs: IoSpec[];
  outputs: IoSpec[];
  classification?: Classification;
  /** Object detection: how boxes, scores and classes are read from the outputs (postprocessing.detection). */
  detection?: Detection;
  /** Raw image bytes become a row of this input. */
  image?: { input: number; pre: ImagePreprocessing };
  /** The output answered as an image when asked (config.json postprocessing.image). */
  imageOutput?: ImageOutput;
  model?: OnnxModel;
  /** Set when the model folder has an entry script: the script and the version's ONNX graphs by file name. */
  entry?: EntryModel;
  /** The entry script's path, known from the folder before the version loads (requests route on it). */
  script?: string;
}

export interface EntryModel {
  script: EntryScript;
  scriptPath: string;
  sessions: Record<string, ReadyModel>;
  dir: string;
  versionDir: string;
}

export type ReadyModel = ModelVersion & { model: OnnxModel };
