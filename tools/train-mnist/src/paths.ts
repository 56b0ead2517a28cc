import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** Repository root, independent of the caller's working directory. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Triton-style layout: models/<name>/config.json next to models/<name>/<version>/model.onnx. */
export const DEFAULT_MODEL_PATH = join(REPO_ROOT, 'models', 'mnist', '1', 'model.onnx');
export const DEFAULT_CONFIG_PATH = join(REPO_ROOT, 'models', 'mnist', 'config.json');
