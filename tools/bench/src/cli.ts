// `npm run bench [-- --quick]`: see USAGE in args.ts and docs/benchmarks.md.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, reportPath, USAGE, type BenchArgs } from './args.js';
import { machineInfo } from './machine.js';
import { plan } from './plan.js';
import { mergeReport, renderReport } from './report.js';
import { PREAMBLE } from './preamble.js';
import { runSuite } from './suite.js';
import { renderTable } from './table.js';
import { TARGETS } from './targets.js';
import { compare } from './ratios.js';

const repoRoot = resolve(fileURLToPath(new URL('../../../', import.meta.url)));

let args: BenchArgs;
try {
  args = parseArgs(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(2);
}
if (args.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const started = Date.now();
const log = (line: string) =>
  process.stderr.write(`[bench +${((Date.now() - started) / 1000).toFixed(1)}s] ${line}\n`);
const p = plan(args.quick);
const outcome = await runSuite({
  plan: p,
  repoRoot,
  load: args.load,
  noPeer: args.noPeer,
  only: args.only,
  log,
});
const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
const results = compare(outcome.rows, TARGETS);
const report = renderReport({
  machine: machineInfo(),
  command,
  driver: outcome.driver,
  plan: p,
  rows: outcome.rows,
  targets: results,
  notes: outcome.notes,
  date: new Date(),
  elapsedS: (Date.now() - started) / 1000,
});
process.stdout.write(`${renderTable(outcome.rows)}\n\n${report.targets}\n`);
const out = reportPath(args, join(repoRoot, 'docs', 'benchmarks.md'));
if (out) {
  await mkdir(dirname(resolve(out)), { recursive: true });
  const existing = await readFile(out, 'utf8').catch(() => undefined);
  await writeFile(out, mergeReport(existing, report.markdown, PREAMBLE));
  log(`report written to ${out}`);
}
log(`done in ${Math.round((Date.now() - started) / 1000)} s`);
