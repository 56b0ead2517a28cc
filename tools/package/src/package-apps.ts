import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { bundleApp } from './bundle.js';
import { productionClosure } from './closure.js';
import type { PackageEntry } from './entries.js';
import { modelEntries } from './models.js';
import { checkTargetBinaries, keepForTarget } from './platform.js';
import { SHIPPED, unusedFile } from './shipped.js';
import { entrySize, writeFolder, writeZip } from './write.js';

export const WORKSPACE_ROOT = resolve(import.meta.dirname, '../../..');

/** Files of an app folder that are development only; everything else beside them (host.json, static/) ships. */
const APP_DEV_FILES = new Set([
  'src',
  'test',
  'node_modules',
  'dist',
  'package.json',
  'project.json',
  'tsconfig.json',
  'vitest.config.ts',
  'local.settings.json',
  'local.settings.json.example',
  'README.md',
]);

export interface PackageOptions {
  /** Default: the workspace's dist/packages. */
  out?: string;
  /** Default: every folder of apps/ with a host.json. */
  apps?: string[];
}

export interface PackagedApp {
  app: string;
  zip: string;
  folder: string;
  files: number;
  unpackedBytes: number;
  zipBytes: number;
}

/** The Function apps of the workspace: folders of apps/ that have a host.json. */
export function functionApps(root = WORKSPACE_ROOT): string[] {
  return readdirSync(join(root, 'apps'))
    .filter((a) => existsSync(join(root, 'apps', a, 'host.json')))
    .sort();
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  );
}

function toPosix(path: string): string {
  return path.split(sep).join('/');
}

/**
 * The shipped packages an app needs: those its bundle, the model scripts or the model configs name. A name
 * only in another app's code (swagger-ui-dist, for the HTTP app's docs page) stays out of this package.
 */
function usedShipped(entries: PackageEntry[]): string[] {
  const texts = entries
    .filter((e) => /\.(js|json)$/.test(e.path) && !e.path.startsWith('node_modules/'))
    .map((e) => ('data' in e ? e.data : readFileSync(e.source)).toString('utf8'));
  return Object.keys(SHIPPED).filter((name) => texts.some((t) => t.includes(name)));
}

/** node_modules of a package: the shipped packages' production closure, Linux x64 files only. */
function nodeModulesEntries(root: string, shipped: string[]): PackageEntry[] {
  return productionClosure(shipped, root).flatMap((pkg) =>
    walk(pkg.dir)
      .map((file) => ({ path: `${pkg.target}/${toPosix(relative(pkg.dir, file))}`, source: file }))
      // A nested node_modules is a package of its own, taken (or not) by the closure.
      .filter(
        (e) =>
          !e.path.slice(pkg.target.length).includes('/node_modules/') &&
          keepForTarget(e.path) &&
          !unusedFile(e.path),
      ),
  );
}

function manifestFor(app: string, appDir: string, root: string, shipped: string[]): PackageEntry {
  const own = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
  };
  const versions = Object.fromEntries(
    shipped.map((name) => {
      const pkg = JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8'));
      return [name, (pkg as { version: string }).version];
    }),
  );
  const manifest = {
    name: own.name,
    version: own.version,
    description: `${app}, packaged for Azure Functions zip deploy (npm run package); node_modules is complete`,
    private: true,
    type: 'module',
    main: 'dist/main.js',
    engines: { node: '>=22' },
    dependencies: versions,
  };
  return { path: 'package.json', data: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`) };
}

/**
 * Packages each app for Flex Consumption zip deploy: `<out>/<app>.zip`, and the same files unpacked in
 * `<out>/<app>/` (azure.yaml points azd there). Expects the apps built (`npm run build`).
 */
export async function packageApps(opts: PackageOptions = {}): Promise<PackagedApp[]> {
  const root = WORKSPACE_ROOT;
  const out = opts.out ?? join(root, 'dist', 'packages');
  checkTargetBinaries(root);
  const models = modelEntries(join(root, 'models'), root);
  const results: PackagedApp[] = [];
  for (const app of opts.apps ?? functionApps(root)) {
    const appDir = join(root, 'apps', app);
    const extras = walk(appDir)
      .filter((f) => !APP_DEV_FILES.has(toPosix(relative(appDir, f)).split('/')[0]))
      .map((f) => ({ path: toPosix(relative(appDir, f)), source: f }));
    const code = [...extras, ...(await bundleApp(appDir)), ...models];
    const shipped = usedShipped(code);
    const entries = [manifestFor(app, appDir, root, shipped), ...code, ...nodeModulesEntries(root, shipped)];
    const zip = join(out, `${app}.zip`);
    const folder = join(out, app);
    await Promise.all([writeZip(entries, zip), writeFolder(entries, folder)]);
    results.push({
      app,
      zip,
      folder,
      files: entries.length,
      unpackedBytes: entries.reduce((n, e) => n + entrySize(e), 0),
      zipBytes: readFileSync(zip).length,
    });
  }
  return results;
}
