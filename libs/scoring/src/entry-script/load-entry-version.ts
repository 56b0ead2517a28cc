import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { loadOnnx } from '../model/load-onnx.js';
import type { PartialModelConfig } from '../model/model-config.js';
import type { EntryVersionLoader, VersionToLoad } from '../model/model-repository.js';
import type { ModelVersion, ReadyModel } from '../model/model-version.js';
import { importScript } from './import-script.js';

/** A file of the version that is not in its folder: from an installed npm package, checked by sha256. */
interface PackagedFile {
  package: string;
  path: string;
  sha256: string;
}

type FileRef = PackagedFile | { path: string; sha256?: string };

/** `node_modules/<package>` as Node resolves it from the model folder (the package's exports aside). */
function packageDir(pkg: string, from: string): string {
  const require = createRequire(join(from, 'noop.js'));
  for (const base of require.resolve.paths(pkg) ?? []) {
    const candidate = join(base, pkg);
    try {
      require.resolve(join(candidate, 'package.json'));
      return candidate;
    } catch {
      // Not here: the next node_modules up.
    }
  }
  throw new Error(`package ${pkg} is not installed (npm install ${pkg})`);
}

/** The version's ONNX files by name: config.json `files`, else every `*.onnx` in the version folder. */
async function onnxFiles(load: VersionToLoad, versionDir: string): Promise<Record<string, string>> {
  const refs = (load.file?.files ?? undefined) as Record<string, FileRef> | undefined;
  if (refs) {
    return Object.fromEntries(
      Object.entries(refs).map(([name, ref]) => [
        name,
        'package' in ref ? join(packageDir(ref.package, load.dir), ref.path) : join(versionDir, ref.path),
      ]),
    );
  }
  const names = (await readdir(versionDir)).filter((f) => f.endsWith('.onnx')).sort();
  return Object.fromEntries(names.map((n) => [n, join(versionDir, n)]));
}

/**
 * A version served by its entry script: every ONNX file loaded and auto-configured as a model of its own
 * (config.json `sessions.<file>` overrides, as a config.json does for a model), sha256 checked where
 * pinned, and the script imported. `init` runs later, when the scorer can give it a context.
 */
export const loadEntryVersion: EntryVersionLoader = async (load) => {
  const versionDir = join(load.dir, load.version);
  const base: ModelVersion = { ...load.base, path: load.script };
  const sessions: Record<string, ReadyModel> = {};
  try {
    const files = await onnxFiles(load, versionDir);
    const refs = (load.file?.files ?? {}) as Record<string, FileRef>;
    const perSession = (load.file?.sessions ?? {}) as Record<string, PartialModelConfig>;
    const sha = createHash('sha256');
    for (const [file, path] of Object.entries(files)) {
      const bytes = await readFile(path);
      const digest = createHash('sha256').update(bytes).digest('hex');
      const pinned = refs[file]?.sha256;
      if (pinned && pinned !== digest) {
        throw new Error(`${file} (${path}) has sha256 ${digest}; config.json pins ${pinned}`);
      }
      sha.update(digest);
      const loaded = await loadOnnx({
        name: `${load.name}/${file}`,
        dir: dirname(path),
        path,
        bytes,
        file: perSession[file],
        intraOpThreads: load.intraOpThreads,
      });
      sessions[file] = {
        ...base,
        ...loaded,
        name: `${load.name}/${file}`,
        path,
        sha256: digest,
        state: 'READY',
      } as ReadyModel;
    }
    const script = await importScript(load.script);
    // The version's identity for whole-result cache keys: every graph's hash and the script's.
    sha.update(await readFile(load.script));
    return {
      ...base,
      sha256: sha.digest('hex'),
      state: 'READY',
      entry: { script, scriptPath: load.script, sessions, dir: load.dir, versionDir },
    };
  } catch (e) {
    await Promise.all(Object.values(sessions).map((s) => s.model.release().catch(() => undefined)));
    return { ...base, reason: (e as Error).message };
  }
};
