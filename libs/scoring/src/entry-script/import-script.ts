import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { EntryScript } from './types.js';

/**
 * How a `score.ts` fails where no TypeScript loader runs: Node 20 does not know the extension; Node 22.18+
 * strips the types itself but does not map the script's `./lib/*.js` imports to their `.ts` files, nor take
 * TypeScript that needs transforming. Checked before any of the script runs (resolution and parsing).
 */
const NO_TYPESCRIPT_LOADER = new Set([
  'ERR_UNKNOWN_FILE_EXTENSION',
  'ERR_MODULE_NOT_FOUND',
  'ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX',
  'ERR_INVALID_TYPESCRIPT_SYNTAX',
]);

/**
 * Imports the script: `score.ts` where TypeScript can be loaded as is (npm start and tests run under tsx),
 * else the `dist/score.js` the build compiled from it (tools/entry-scripts), as the built apps need.
 */
export async function importScript(path: string): Promise<EntryScript> {
  let mod: Partial<EntryScript>;
  try {
    mod = (await import(versioned(path))) as Partial<EntryScript>;
  } catch (e) {
    if (!path.endsWith('.ts') || !NO_TYPESCRIPT_LOADER.has((e as NodeJS.ErrnoException).code ?? '')) throw e;
    const compiled = join(dirname(path), 'dist', 'score.js');
    if (!existsSync(compiled)) {
      // A missing package the script imports fails the same way: say what Node said too.
      throw new Error(
        `${path} could not be imported (${(e as Error).message}); without a TypeScript loader it needs compiling to ${compiled} (npm run build)`,
        { cause: e },
      );
    }
    mod = (await import(versioned(compiled))) as Partial<EntryScript>;
  }
  if (typeof mod.run !== 'function') throw new Error(`${path} must export a function run(request, context)`);
  if (mod.init !== undefined && typeof mod.init !== 'function')
    throw new Error(`${path}: init must be a function`);
  if (mod.respondAsync !== undefined && typeof mod.respondAsync !== 'function')
    throw new Error(`${path}: respondAsync must be a function`);
  return mod as EntryScript;
}

/**
 * The script's URL for this file as it is now: Node keeps one module per URL for the life of the thread, so
 * a score.ts changed on disk (a model reloaded by MODEL_CONTROL_MODE) is imported anew, not served from that
 * cache. The modules it imports itself are still cached in this thread; script threads start fresh.
 */
function versioned(path: string): string {
  const url = pathToFileURL(path);
  const s = statSync(path, { throwIfNoEntry: false });
  if (s) url.search = `v=${s.mtimeMs}-${s.size}-${s.ino}`;
  return url.href;
}
