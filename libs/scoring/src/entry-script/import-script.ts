import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { EntryScript } from './types.js';

/**
 * Imports the script: `score.ts` where TypeScript can be loaded as is (npm start and tests run under tsx),
 * else the `dist/score.js` the build compiled from it (tools/entry-scripts), as the built apps need.
 */
export async function importScript(path: string): Promise<EntryScript> {
  let mod: Partial<EntryScript>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Partial<EntryScript>;
  } catch (e) {
    if (!path.endsWith('.ts') || (e as NodeJS.ErrnoException).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw e;
    const compiled = join(dirname(path), 'dist', 'score.js');
    if (!existsSync(compiled)) {
      throw new Error(`${path} needs a TypeScript loader, or compiling to ${compiled} (npm run build)`, {
        cause: e,
      });
    }
    mod = (await import(pathToFileURL(compiled).href)) as Partial<EntryScript>;
  }
  if (typeof mod.run !== 'function') throw new Error(`${path} must export a function run(request, context)`);
  if (mod.init !== undefined && typeof mod.init !== 'function')
    throw new Error(`${path}: init must be a function`);
  return mod as EntryScript;
}
