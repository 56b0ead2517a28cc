import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ScoringError } from '../errors.js';
import { readConfigFile } from './config-file.js';
import { loadOnnx } from './load-onnx.js';
import type { ModelConfig, PartialModelConfig } from './model-config.js';
import type { ModelVersion } from './model-version.js';
import type { VersionToStart } from './version-loading.js';

/** Loads a version of a model whose folder holds an entry script (`score.ts` / `score.js`). */
export type EntryVersionLoader = (version: VersionToLoad & { script: string }) => Promise<ModelVersion>;

export interface VersionToLoad {
  dir: string;
  name: string;
  file: PartialModelConfig | undefined;
  version: string;
  intraOpThreads: number;
  /** What a version shows before anything is known of it: UNAVAILABLE, the file's config. */
  base: ModelVersion;
}

export interface ScanOptions {
  intraOpThreads: number;
  /** Without it, a folder with an entry script is reported as not servable. */
  loadEntryVersion?: EntryVersionLoader;
}

/** What a model folder holds, read without loading a graph. */
export interface ModelFolder {
  dir: string;
  name: string;
  file: PartialModelConfig | undefined;
  /** The entry script's file name, when the folder has one. */
  script?: string;
  /** Every version folder, ascending. */
  available: number[];
  /** The versions the version policy serves, ascending. */
  served: string[];
}

const ENTRY_SCRIPTS = ['score.ts', 'score.js'];

/** Files that mean "someone put a non-ONNX model here": refused, never opened (pickle runs code on load). */
const FOREIGN_MODEL_FILES = /\.(pkl|pickle|joblib|pt|pth|h5|keras|pb|sav|bin|safetensors)$/i;

function selectVersions(policy: ModelConfig['version_policy'], available: number[]): number[] {
  if (policy?.all) return available;
  if (policy?.specific) return available.filter((v) => policy.specific!.versions.includes(v));
  const n = policy?.latest?.num_versions ?? 1;
  return available.slice(-n);
}

/** The folder's config, entry script and versions; throws INVALID_MODEL when it has no version folder. */
export async function readModelFolder(dir: string, name: string): Promise<ModelFolder> {
  const file = await readConfigFile(dir, name);
  const entries = await readdir(dir);
  const script = ENTRY_SCRIPTS.find((f) => entries.includes(f));
  const available = entries
    .filter((d) => /^[1-9][0-9]*$/.test(d))
    .map(Number)
    .sort((a, b) => a - b);
  if (available.length === 0) {
    throw new ScoringError('INVALID_MODEL', `model "${name}" has no version folders (${dir}/<n>/model.onnx)`);
  }
  const served = selectVersions(file?.version_policy, available).map(String);
  return { dir, name, file, ...(script ? { script } : {}), available, served };
}

/** A model folder's served versions, each LOADING, with how to load it and what that costs (file bytes). */
export async function scanModel(dir: string, name: string, opts: ScanOptions): Promise<VersionToStart[]> {
  const folder = await readModelFolder(dir, name);
  return Promise.all(folder.served.map((v) => versionToStart(folder, v, opts)));
}

/** One version of a read folder, LOADING, with how to load it (a new object each call) and its cost. */
export async function versionToStart(
  folder: ModelFolder,
  version: string,
  opts: ScanOptions,
): Promise<VersionToStart> {
  const { dir, name, file, script } = folder;
  const base: ModelVersion = {
    ...unavailable(dir, name, file, version),
    ...(script ? { script: join(dir, script) } : {}),
  };
  const load: VersionToLoad = { dir, name, file, version, intraOpThreads: opts.intraOpThreads, base };
  const loadEntry = opts.loadEntryVersion;
  return {
    version: { ...base, state: 'LOADING' as const, reason: 'loading' },
    // An entry script's graphs may live in npm packages and its threads start too: such a version
    // goes after the plain ones.
    cost: script
      ? Number.MAX_SAFE_INTEGER
      : await stat(base.path).then(
          (s) => s.size,
          () => 0,
        ),
    load: async (): Promise<ModelVersion> => {
      if (!script) return loadVersion(load);
      if (!loadEntry) return { ...base, reason: `${script} found, but entry scripts are not enabled here` };
      return loadEntry({ ...load, script: join(dir, script) });
    },
  };
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

export function unavailable(
  dir: string,
  name: string,
  file: PartialModelConfig | undefined,
  version: string,
): ModelVersion {
  return {
    name,
    version,
    config: fileConfig(name, file),
    path: join(dir, version, 'model.onnx'),
    sha256: '',
    state: 'UNAVAILABLE',
    batched: false,
    inputs: [],
    outputs: [],
  };
}

async function loadVersion({
  dir,
  name,
  file,
  version,
  intraOpThreads,
  base,
}: VersionToLoad): Promise<ModelVersion> {
  const path = base.path;
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
  try {
    return {
      ...base,
      ...(await loadOnnx({ name, dir, path, bytes, file, intraOpThreads })),
      sha256,
      state: 'READY',
    };
  } catch (e) {
    return { ...base, sha256, reason: (e as Error).message };
  }
}
