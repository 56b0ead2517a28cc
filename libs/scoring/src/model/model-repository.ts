import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ScoringError } from '../errors.js';
import type { InferenceSession } from 'onnxruntime-node';
import { autoComplete } from './auto-complete.js';
import { detectClassification, type Label } from './classification.js';
import { imageInput } from './image-input.js';
import { ioSpec } from './io-spec.js';
import { configError, parseConfigFile, type ModelConfig, type PartialModelConfig } from './model-config.js';
import type { ModelVersion, ReadyModel } from './model-version.js';
import { OnnxModel } from './onnx-model.js';
import { readSignature } from './signature.js';
import type { ZipMapOutput } from './onnx-graph.js';
import { mayHaveZipMap } from './zipmap-probe.js';

export interface RepositoryOptions {
  root: string;
  defaultModel?: string;
  intraOpThreads: number;
}

/** Files that mean "someone put a non-ONNX model here": refused, never opened (pickle runs code on load). */
const FOREIGN_MODEL_FILES = /\.(pkl|pickle|joblib|pt|pth|h5|keras|pb|sav|bin|safetensors)$/i;

export interface ModelSummary {
  name: string;
  versions: string[];
  latest: string | undefined;
  ready: boolean;
  /** Why no version can serve, when none can. */
  reason?: string;
}

/**
 * A Triton-style model repository: `<root>/<model>/<version>/model.onnx`, an optional
 * `<root>/<model>/config.json` (auto-completed from the ONNX signature) and `labels.txt`.
 * Versions are positive integers; the version policy (latest N, all, specific) decides which are served.
 */
export class ModelRepository {
  private constructor(
    readonly root: string,
    private readonly byName: Map<string, ModelVersion[]>,
    readonly defaultModel: string | undefined,
    readonly problems: string[],
  ) {}

  static async load(opts: RepositoryOptions): Promise<ModelRepository> {
    let entries: string[];
    try {
      entries = (await readdir(opts.root)).sort();
    } catch (e) {
      throw new ScoringError(
        'INVALID_MODEL',
        `model repository ${opts.root} cannot be read (MODEL_REPOSITORY)`,
        {
          cause: e,
        },
      );
    }
    const byName = new Map<string, ModelVersion[]>();
    const problems: string[] = [];
    for (const name of entries) {
      const dir = join(opts.root, name);
      if (!(await stat(dir)).isDirectory()) continue;
      try {
        byName.set(name, await loadModel(dir, name, opts.intraOpThreads));
      } catch (e) {
        problems.push((e as Error).message);
      }
    }
    const names = [...byName.keys()];
    const defaultModel = opts.defaultModel ?? (names.length > 0 ? names[0] : undefined);
    if (opts.defaultModel && !byName.has(opts.defaultModel)) {
      problems.push(
        `DEFAULT_MODEL "${opts.defaultModel}" is not in ${opts.root} (have: ${names.join(', ')})`,
      );
    }
    return new ModelRepository(opts.root, byName, defaultModel, problems);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  summaries(): ModelSummary[] {
    return this.names().map((name) => {
      const versions = this.byName.get(name)!;
      return {
        name,
        versions: versions.map((v) => v.version),
        latest: versions.at(-1)?.version,
        ready: versions.some((v) => v.state === 'READY'),
        ...(versions.every((v) => v.state !== 'READY')
          ? { reason: versions.map((v) => `version ${v.version}: ${v.reason}`).join('; ') }
          : {}),
      };
    });
  }

  versions(name: string): ModelVersion[] {
    const versions = this.byName.get(name);
    if (!versions) {
      throw new ScoringError(
        'MODEL_NOT_FOUND',
        `unknown model "${name}"; served models: ${this.names().join(', ')}`,
      );
    }
    return versions;
  }

  /**
   * The version a request means: an explicit one, else the newest served version.
   * Does not check readiness, so metadata of an unavailable model can still be read.
   */
  find(name: string | undefined, version?: string): ModelVersion {
    const modelName = name ?? this.defaultModel;
    if (!modelName) throw new ScoringError('MODEL_NOT_FOUND', `no model is served from ${this.root}`);
    const versions = this.versions(modelName);
    if (version === undefined || version === '') {
      const ready = versions.filter((v) => v.state === 'READY');
      return (ready.length > 0 ? ready : versions).at(-1)!;
    }
    const found = versions.find((v) => v.version === version);
    if (!found) {
      throw new ScoringError(
        'VERSION_NOT_FOUND',
        `model "${modelName}" has no served version "${version}"; served: ${versions.map((v) => v.version).join(', ')}`,
      );
    }
    return found;
  }

  /** Like find, but only a version that can run. */
  ready(name: string | undefined, version?: string): ReadyModel {
    const v = this.find(name, version);
    if (v.state !== 'READY' || !v.model) {
      throw new ScoringError(
        'MODEL_NOT_READY',
        `model "${v.name}" version ${v.version} is not ready: ${v.reason}`,
      );
    }
    return v as ReadyModel;
  }

  isReady(): boolean {
    return [...this.byName.values()].some((vs) => vs.some((v) => v.state === 'READY'));
  }

  async close(): Promise<void> {
    for (const versions of this.byName.values()) {
      for (const v of versions) await v.model?.release();
    }
  }
}

function selectVersions(policy: ModelConfig['version_policy'], available: number[]): number[] {
  if (policy?.all) return available;
  if (policy?.specific) return available.filter((v) => policy.specific!.versions.includes(v));
  const n = policy?.latest?.num_versions ?? 1;
  return available.slice(-n);
}

async function readConfigFile(dir: string, name: string): Promise<PartialModelConfig | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, 'config.json'), 'utf8');
  } catch (e) {
    // No config.json: everything comes from the ONNX signature (Triton's auto-complete).
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ScoringError(
      'INVALID_MODEL',
      `model "${name}": ${dir}/config.json is not JSON: ${(e as Error).message}`,
      {
        cause: e,
      },
    );
  }
  return parseConfigFile(name, raw);
}

/** `labels.txt` (or an output's label_filename) beside config.json: one label per line, as Triton reads it. */
async function readLabelFile(dir: string, file: string): Promise<string[] | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, file), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines.at(-1) === '') lines.pop();
  return lines;
}

async function loadModel(dir: string, name: string, intraOpThreads: number): Promise<ModelVersion[]> {
  const file = await readConfigFile(dir, name);
  const available = (await readdir(dir))
    .filter((d) => /^[1-9][0-9]*$/.test(d))
    .map(Number)
    .sort((a, b) => a - b);
  if (available.length === 0) {
    throw new ScoringError('INVALID_MODEL', `model "${name}" has no version folders (${dir}/<n>/model.onnx)`);
  }
  const served = selectVersions(file?.version_policy, available);
  return Promise.all(served.map((v) => loadVersion(dir, name, file, String(v), intraOpThreads)));
}

/** What a refused version shows as its config: the file's fields, nothing inferred. */
function fileConfig(name: string, file: PartialModelConfig | undefined): ModelConfig {
  return {
    ...(file ?? {}),
    name,
    platform: 'onnxruntime_onnx',
    max_batch_size: file?.max_batch_size ?? 0,
    input: (file?.input ?? []) as ModelConfig['input'],
    output: (file?.output ?? []) as ModelConfig['output'],
  } as ModelConfig;
}

async function loadVersion(
  dir: string,
  name: string,
  file: PartialModelConfig | undefined,
  version: string,
  intraOpThreads: number,
): Promise<ModelVersion> {
  const path = join(dir, version, 'model.onnx');
  const base: ModelVersion = {
    name,
    version,
    config: fileConfig(name, file),
    path,
    sha256: '',
    state: 'UNAVAILABLE',
    batched: false,
    inputs: [],
    outputs: [],
  };
  const files = await readdir(join(dir, version));
  const foreign = files.filter((f) => FOREIGN_MODEL_FILES.test(f));
  if (!files.includes('model.onnx')) {
    const why = foreign.length
      ? `only ONNX models are served; found ${foreign.join(', ')}, which is never loaded (convert it to model.onnx)`
      : 'model.onnx is missing';
    return { ...base, reason: why };
  }
  const bytes = await readFile(path);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const expected = file?.versions?.[version]?.sha256;
  if (expected && expected !== sha256) {
    return { ...base, sha256, reason: `model.onnx sha256 ${sha256} differs from config.json (${expected})` };
  }
  // A pickle starts with 0x80 and a zip (torch) with "PK": refuse before any parser sees them.
  if (bytes[0] === 0x80 || (bytes[0] === 0x50 && bytes[1] === 0x4b)) {
    return {
      ...base,
      sha256,
      reason: 'model.onnx is not an ONNX protobuf (looks like a pickle or zip archive)',
    };
  }
  let session: InferenceSession | undefined;
  try {
    // skl2onnx's ZipMap output is a sequence of maps, which onnxruntime-node cannot return: the graph is
    // adapted in memory to return ZipMap's input tensor under the same name (the file stays as it is).
    const zipmap = mayHaveZipMap(bytes)
      ? (await import('./onnx-graph.js')).exposeZipMapOutputs(bytes)
      : undefined;
    session = await OnnxModel.createSession(zipmap?.bytes ?? path, path, { intraOpThreads });
    const config = autoComplete({ name, file, signature: readSignature(session) });
    const described = await describe(dir, config, zipmap?.zipmaps ?? []);
    const model = new OnnxModel(
      session,
      described.outputs.map((o) => o.name),
    );
    return { ...base, ...described, sha256, state: 'READY', model };
  } catch (e) {
    await session?.release().catch(() => undefined);
    return { ...base, sha256, reason: (e as Error).message };
  }
}

/** Everything derived from the effective config: specs, labels, classification, image preprocessing. */
async function describe(
  dir: string,
  config: ModelConfig,
  zipmaps: ZipMapOutput[],
): Promise<Pick<ModelVersion, 'config' | 'batched' | 'inputs' | 'outputs' | 'classification' | 'image'>> {
  const inputs = config.input.map(ioSpec);
  const outputs = config.output.map(ioSpec);
  const named = config.output.find((o) => o.label_filename);
  let labels: { forOutput?: string; labels?: Label[] } = {};
  if (config.labels) labels = { labels: config.labels };
  else if (named) {
    const read = await readLabelFile(dir, named.label_filename!);
    if (!read)
      configError(
        config.name,
        `output "${named.name}" label_filename ${named.label_filename} does not exist`,
      );
    labels = { forOutput: named.name, labels: read };
  } else {
    const txt = await readLabelFile(dir, 'labels.txt');
    if (txt) labels = { labels: txt };
    else if (zipmaps.length > 0) labels = { forOutput: zipmaps[0].output, labels: zipmaps[0].labels };
  }
  const effective = labels.labels ? { ...config, labels: labels.labels } : config;
  const classification = detectClassification(config.name, outputs, labels);
  return {
    config: effective,
    batched: config.max_batch_size > 0,
    inputs,
    outputs,
    classification,
    image: imageInput(config, inputs),
  };
}
