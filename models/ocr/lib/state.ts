import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EntryContext } from '@modelfn/scoring/entry';
import { characterTable, readPackaged } from './assets.js';
import { loadOpencv } from './opencv.js';
import { parseOptions, type OcrOptions } from './options.js';

/** What a loaded version keeps between requests. */
export interface OcrState {
  options: OcrOptions;
  /** CTC classes: blank, the keys, space. */
  table: string[];
  /** Part of every page cache key: see pipelineId. */
  id: string;
}

/**
 * The host namespaces cached values by the ONNX files and score.ts only, but config.json's fields and the
 * pipeline's code shape the answer too: a page cached before a change to either must not be served after
 * it, so both are hashed into the page keys. The code is every file of the folder this module runs from:
 * lib/ under a TypeScript loader, dist/ (the whole bundle) once compiled.
 */
async function pipelineId(ctx: EntryContext): Promise<string> {
  const hash = createHash('sha256').update(JSON.stringify(ctx.model.config));
  const here = dirname(fileURLToPath(import.meta.url));
  const code = (await readdir(here)).filter((f) => /\.(ts|js)$/.test(f)).sort();
  for (const f of code) hash.update(f).update(await readFile(join(here, f)));
  return hash.digest('hex').slice(0, 16);
}

async function load(ctx: EntryContext): Promise<OcrState> {
  const options = parseOptions(ctx.model.config);
  const [keys, id] = await Promise.all([
    readPackaged(options.keys, ctx.model.dir),
    pipelineId(ctx),
    loadOpencv(),
  ]);
  const cls = options.useAngleCls || options.detectOrientation;
  for (const file of ['det.onnx', 'rec.onnx', ...(cls ? ['cls.onnx'] : [])]) {
    if (!ctx.sessions[file]) throw new Error(`config.json "files" must list ${file}`);
  }
  return { options, table: characterTable(keys.toString('utf8')), id };
}

// By version folder: the module is imported once per process, but each loaded version has its own
// config.json, and two versions may be served at once.
const states = new Map<string, Promise<OcrState>>();

/** The version's state, loaded on first use (init) and shared by its runs; a failed load is retried. */
export function stateFor(ctx: EntryContext): Promise<OcrState> {
  const key = ctx.model.versionDir;
  let state = states.get(key);
  if (!state) {
    state = load(ctx);
    states.set(key, state);
    state.catch(() => states.delete(key));
  }
  return state;
}
