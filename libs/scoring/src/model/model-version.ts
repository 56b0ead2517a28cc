import type { ModelConfig } from './model-config.js';
import type { OnnxModel } from './onnx-model.js';

export type ModelState = 'READY' | 'UNAVAILABLE';

/** A loaded (or refused) version of a model, with everything the scoring path needs to know about it. */
export interface ModelVersion {
  name: string;
  version: string;
  config: ModelConfig;
  path: string;
  sha256: string;
  /** Values per input row and per output row. */
  features: number;
  classes: number;
  state: ModelState;
  reason?: string;
  model?: OnnxModel;
}
