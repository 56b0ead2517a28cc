import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, sep } from 'node:path';
import { INSTALL_ONLY } from './shipped.js';

export interface InstalledPackage {
  name: string;
  /** Absolute folder of the installed package. */
  dir: string;
  /** Where it goes in the package: its path under the workspace root, `node_modules/...`. */
  target: string;
}

interface Manifest {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/** The folder Node resolves `<name>` to from `from` (the package's `exports` aside), if installed. */
function resolvePackage(name: string, from: string): string | undefined {
  const require = createRequire(join(from, 'noop.js'));
  for (const base of require.resolve.paths(name) ?? []) {
    try {
      require.resolve(join(base, name, 'package.json'));
      return join(base, name);
    } catch {
      // Not in this node_modules: the next one up.
    }
  }
  return undefined;
}

/**
 * The production closure of `roots` as npm installed it under `workspaceRoot`: each package's
 * `dependencies` and the `optionalDependencies` present on this machine (sharp's platform binaries), resolved
 * as Node resolves them, so nested copies keep their place. A missing optional dependency is skipped; a
 * missing required one is an error.
 */
export function productionClosure(roots: string[], workspaceRoot: string): InstalledPackage[] {
  const found = new Map<string, InstalledPackage>();
  const visit = (name: string, from: string, optional: boolean) => {
    const dir = resolvePackage(name, from);
    if (!dir) {
      if (optional) return;
      throw new Error(`package ${name} (needed from ${from}) is not installed: run npm ci`);
    }
    if (found.has(dir)) return;
    const target = relative(workspaceRoot, dir).split(sep).join('/');
    if (!target.startsWith('node_modules/')) {
      throw new Error(`package ${name} resolves outside the workspace's node_modules (${dir})`);
    }
    found.set(dir, { name, dir, target });
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
    const skip = new Set(INSTALL_ONLY[name] ?? []);
    for (const dep of Object.keys(manifest.dependencies ?? {})) if (!skip.has(dep)) visit(dep, dir, false);
    for (const dep of Object.keys(manifest.optionalDependencies ?? {}))
      if (!skip.has(dep)) visit(dep, dir, true);
  };
  for (const name of roots) visit(name, workspaceRoot, false);
  return [...found.values()].sort((a, b) => a.target.localeCompare(b.target));
}
