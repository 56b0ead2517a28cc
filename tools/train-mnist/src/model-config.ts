// Read-modify-write of the Triton-style models/<name>/config.json. Only the trained version's entry is
// touched so hand edits elsewhere in the file survive a retrain.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { PIXEL_SCALE } from './inputs.js';

export interface VersionEntry {
  sha256: string;
  test_accuracy: number;
  trained_by: string;
  [extra: string]: unknown;
}

export interface ModelConfig {
  name: string;
  versions: Record<string, VersionEntry>;
  [field: string]: unknown;
}

export function defaultMnistConfig(name = 'mnist'): ModelConfig {
  return {
    name,
    platform: 'onnxruntime_onnx',
    max_batch_size: 256,
    // Measured in docs/benchmarks.md: 1.4x the throughput of unbatched runs at 64 concurrent clients.
    dynamic_batching: { max_queue_delay_microseconds: 100 },
    input: [{ name: 'input', data_type: 'TYPE_FP32', dims: [784] }],
    output: [{ name: 'probabilities', data_type: 'TYPE_FP32', dims: [10] }],
    labels: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    preprocessing: {
      image: {
        width: 28,
        height: 28,
        color: 'gray',
        layout: 'flat',
        resize: 'stretch',
        scale: PIXEL_SCALE,
        invert: false,
        note: 'grayscale, resized to 28x28, pixel/255, white digit on black background as in MNIST',
      },
    },
    version_policy: { latest: { num_versions: 1 } },
    versions: {},
  };
}

export function readModelConfig(path: string): ModelConfig {
  let config: unknown;
  try {
    config = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read model config ${path}: ${(err as Error).message}; fix or delete the file`);
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new Error(`model config ${path} must be a JSON object`);
  }
  const c = config as Partial<ModelConfig>;
  if (c.versions !== undefined && (typeof c.versions !== 'object' || c.versions === null)) {
    throw new Error(`model config ${path}: "versions" must be an object keyed by version number`);
  }
  return { ...c, versions: c.versions ?? {} } as ModelConfig;
}

/** Sets versions[version] (keeping any extra fields it had), creating the file from the default if absent. */
export function updateModelConfig(
  path: string,
  version: string,
  entry: VersionEntry,
  createName?: string,
): ModelConfig {
  const config = existsSync(path) ? readModelConfig(path) : defaultMnistConfig(createName);
  config.versions[version] = { ...config.versions[version], ...entry };
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, formatConfigJson(config));
  return config;
}

/** For <repo>/<model>/<version>/model.onnx returns the config path and version, else undefined. */
export function configTarget(
  modelPath: string,
): { configPath: string; version: string; name: string } | undefined {
  const versionDir = dirname(modelPath);
  const version = basename(versionDir);
  if (!/^[1-9]\d*$/.test(version)) return undefined;
  const modelDir = dirname(versionDir);
  return { configPath: join(modelDir, 'config.json'), version, name: basename(modelDir) };
}

const MAX_INLINE_WIDTH = 110;

/**
 * Human-friendly JSON in the layout config.json is written in by hand: top-level fields one per line,
 * nested values kept on one line when they fit (and always from depth 2 on), so a retrain diff touches
 * only the version line.
 */
export function formatConfigJson(value: unknown): string {
  return `${formatValue(value, 0, '')}\n`;
}

function inline(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(inline).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 0) return '{}';
    return `{ ${entries.map(([k, v]) => `${JSON.stringify(k)}: ${inline(v)}`).join(', ')} }`;
  }
  return JSON.stringify(value);
}

function formatValue(value: unknown, depth: number, prefix: string): string {
  const flat = inline(value);
  const isObject = value !== null && typeof value === 'object' && !Array.isArray(value);
  if (!isObject || Object.keys(value).length === 0 || depth >= 2) return flat;
  if (depth > 0 && prefix.length + flat.length <= MAX_INLINE_WIDTH) return flat;
  const indent = '  '.repeat(depth + 1);
  const lines = Object.entries(value).map(([k, v]) => {
    const head = `${indent}${JSON.stringify(k)}: `;
    return head + formatValue(v, depth + 1, head);
  });
  return `{\n${lines.join(',\n')}\n${'  '.repeat(depth)}}`;
}
