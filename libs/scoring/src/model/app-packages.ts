import { existsSync } from 'node:fs';
import { lstat, readlink, rm, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/**
 * The node_modules the app's own packages are loaded from: where onnxruntime-node (which every host loads)
 * is found from this module, i.e. the workspace's in a checkout and the package's in a deployed app (whose
 * models/ folder sits beside it). Undefined where it cannot be found (then nothing is linked).
 */
export function appNodeModules(): string | undefined {
  const require = createRequire(import.meta.url);
  return (require.resolve.paths('onnxruntime-node') ?? []).find((base) =>
    existsSync(join(base, 'onnxruntime-node', 'package.json')),
  );
}

/**
 * Makes `<dir>/node_modules` the app's node_modules (a symlink; a junction on Windows), so that a model
 * copied into `<dir>/<repository>` resolves its entry script's imports and its `files.<f>.package` graphs
 * as it does from the app's own models/ folder: Node looks for bare imports in each node_modules above the
 * importing file, and loads what it finds from its real path, the very module the app itself loads.
 */
export async function linkAppPackages(dir: string, target = appNodeModules()): Promise<void> {
  if (!target) return;
  const link = join(dir, 'node_modules');
  const current = await lstat(link).catch(() => undefined);
  if (current) {
    // The app moved (a new deployment at another path): the link follows it. Anything else is left alone.
    if (!current.isSymbolicLink() || (await readlink(link)) === target) return;
    await rm(link);
  }
  await symlink(target, link, 'junction').catch((e: NodeJS.ErrnoException) => {
    // Another process (a second worker on the same copy) made it first.
    if (e.code !== 'EEXIST') throw e;
  });
}
