import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { CJS_NAMESPACE_HELPER, namedCjsImports } from '../src/cjs-chunks.js';

const work = mkdtempSync(join(tmpdir(), 'modelfn-cjs-chunks-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * Writes `sources` (named with `prefix`, which their imports use), bundles their main.mjs with splitting as the
 * packager does, the call sites rewritten or not, and runs it: its stdout.
 */
async function run(prefix: string, sources: Record<string, string>, rewrite: boolean): Promise<string> {
  for (const [name, text] of Object.entries(sources))
    writeFileSync(join(work, `${prefix}${name}`), text.replaceAll("'./", `'./${prefix}`));
  const out = join(work, `${prefix}out`);
  const result = await build({
    entryPoints: { main: join(work, `${prefix}main.mjs`) },
    outdir: out,
    write: false,
    bundle: true,
    platform: 'node',
    format: 'esm',
    splitting: true,
    banner: { js: CJS_NAMESPACE_HELPER },
    logLevel: 'silent',
  });
  const files = result.outputFiles.map((f) => ({ path: f.path, text: f.text }));
  mkdirSync(out);
  for (const f of rewrite ? namedCjsImports(files) : files) writeFileSync(f.path, f.text);
  return execFileSync(process.execPath, [join(out, 'main.js')], { encoding: 'utf8' }).trim();
}

describe('named exports of a CommonJS module imported with import() from a split chunk', () => {
  const sources = {
    'main.mjs': [
      "const { Greeter, count } = await import('./lib.cjs');",
      "const fn = await import('./fn.cjs');",
      "const esm = await import('./esm.mjs');",
      'console.log(JSON.stringify([typeof Greeter, count, typeof fn.default, fn.default.tag, esm.value]));',
    ].join('\n'),
    'lib.cjs': 'class Greeter {}\nexports.Greeter = Greeter;\nexports.count = 3;\n',
    'fn.cjs': "module.exports = function f() {};\nmodule.exports.tag = 'fn';\n",
    'esm.mjs': 'export const value = 42;\n',
  };

  it('are lost by esbuild alone (evanw/esbuild#3245): the reason for the rewrite', async () => {
    expect(JSON.parse(await run('as-is-', sources, false))).toEqual([
      'undefined',
      null,
      'function',
      'fn',
      42,
    ]);
  });

  it('are there once the call sites go through the helper, as unbundled; ES modules are left alone', async () => {
    expect(JSON.parse(await run('rewritten-', sources, true))).toEqual(['function', 3, 'function', 'fn', 42]);
  });
});
