import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const ROOT = resolve(import.meta.dirname, '../../..');

/**
 * Compiles every `<repository>/<model>/score.ts` into `<model>/dist/score.js`, where the host looks when it
 * runs without a TypeScript loader (the built apps, the container images). Our own libraries
 * (`@modelfn/...`, tsconfig paths) are bundled in; npm packages stay imports, resolved from node_modules.
 */
export async function compileEntryScripts(repository: string): Promise<string[]> {
  const built: string[] = [];
  for (const model of readdirSync(repository, { withFileTypes: true })) {
    const source = join(repository, model.name, 'score.ts');
    if (!model.isDirectory() || !existsSync(source)) continue;
    const outfile = join(repository, model.name, 'dist', 'score.js');
    await build({
      entryPoints: [source],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      packages: 'external',
      tsconfig: join(ROOT, 'tsconfig.base.json'),
      sourcemap: true,
      logLevel: 'warning',
    });
    built.push(outfile);
  }
  return built;
}
