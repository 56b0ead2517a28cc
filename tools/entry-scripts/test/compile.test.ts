import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { compileEntryScripts } from '../src/compile.js';

const root = mkdtempSync(join(tmpdir(), 'modelfn-compile-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

it('compiles score.ts so plain Node (no TypeScript loader) can import it, our libraries bundled in', async () => {
  mkdirSync(join(root, 'typed'));
  writeFileSync(
    join(root, 'typed', 'score.ts'),
    [
      "import { ScoringError, response } from '@modelfn/scoring/entry';",
      'export function run(request: { body: Buffer }): unknown {',
      "  if (request.body.length === 0) throw new ScoringError('INVALID_INPUT', 'empty');",
      '  return response({ bytes: request.body.length }, { status: 201 });',
      '}',
    ].join('\n'),
  );
  mkdirSync(join(root, 'plain'));
  const built = await compileEntryScripts(root);
  expect(built).toEqual([join(root, 'typed', 'dist', 'score.js')]);
  const probe = `
    const m = await import(${JSON.stringify(built[0])});
    const r = m.run({ body: Buffer.from('abc') });
    let code;
    try { m.run({ body: Buffer.alloc(0) }); } catch (e) { code = e.code; }
    console.log(JSON.stringify({ status: r.status, body: r.body, code }));
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8' });
  expect(JSON.parse(out)).toEqual({ status: 201, body: { bytes: 3 }, code: 'INVALID_INPUT' });
});
