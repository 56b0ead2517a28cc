// The README's settings table lists exactly the settings the code reads: a new setting without a row, or a
// row left behind by a removed one, fails here.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');

/**
 * Where settings are read: the apps, the libs, the dev tools and the shipped models' entry scripts (not
 * tests, the benchmark or builds).
 */
const SOURCE_DIRS = ['apps', 'libs', 'tools/dev', 'models'];

/**
 * What counts as reading a setting: `env.NAME`, `process.env.NAME`, or a setting helper called with the
 * name (`intSetting(env, 'NAME', ...)`, `portSetting(process.env, 'NAME', ...)`, `setting(option, 'NAME',
 * ...)`, and the core's own `int`/`num`/`oneOf`).
 */
const READS = [
  /\b(?:process\.)?env\.([A-Za-z_][A-Za-z0-9_]*)\b(?!\()/g,
  /\b\w*(?:[sS]etting|int|num|oneOf)\(\s*[\w.]+\s*,\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"]/g,
];

/**
 * Rows for settings our code passes through rather than reads: the Azure Monitor distro and the Functions
 * host read them, and a user of ours sets them (the README says what they do to our telemetry).
 */
const READ_BY_DEPENDENCIES = new Map([
  ['OTEL_EXPORTER_OTLP_PROTOCOL', 'the Functions host'],
  ['OTEL_TRACES_SAMPLER', '@azure/monitor-opentelemetry'],
  ['OTEL_TRACES_SAMPLER_ARG', '@azure/monitor-opentelemetry'],
]);

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry === 'dist' || entry === 'test' || entry.startsWith('.')) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (
      path.endsWith('.ts') &&
      !path.endsWith('.test.ts') &&
      (path.includes(`${'/'}src${'/'}`) || relative(ROOT, path).startsWith(`models${'/'}`))
    )
      out.push(path);
  }
  return out;
}

function settingsReadByCode(): Map<string, string> {
  const found = new Map<string, string>();
  for (const dir of SOURCE_DIRS) {
    for (const file of sourceFiles(join(ROOT, dir))) {
      const text = readFileSync(file, 'utf8');
      for (const re of READS) {
        for (const m of text.matchAll(re)) {
          // An entry script's own helpers also read config.json fields (`num(params, 'det_db_thresh')`):
          // there only app-setting names count.
          if (dir === 'models' && !/^[A-Z][A-Z0-9_]*$/.test(m[1])) continue;
          if (!found.has(m[1])) found.set(m[1], relative(ROOT, file));
        }
      }
    }
  }
  return found;
}

/** The names in the first column of README.md's settings table (`A` / `B` rows name several). */
function settingsInReadme(): Set<string> {
  const lines = readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n');
  const start = lines.findIndex((l) => /^\|\s*variable\s*\|/.test(l));
  expect(start, 'README.md has a settings table with a "variable" column').toBeGreaterThan(-1);
  const names = new Set<string>();
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    for (const m of line.split('|')[1].matchAll(/`([A-Za-z_][A-Za-z0-9_]*)`/g)) names.add(m[1]);
  }
  return names;
}

describe('README settings table', () => {
  it('lists exactly the settings the code reads', () => {
    const code = settingsReadByCode();
    const readme = settingsInReadme();
    const undocumented = [...code].filter(([name]) => !readme.has(name)).map(([n, f]) => `${n} (${f})`);
    const stale = [...readme].filter((name) => !code.has(name) && !READ_BY_DEPENDENCIES.has(name));
    expect({ undocumented, stale }).toEqual({ undocumented: [], stale: [] });
    // A dependency's setting that our code starts reading belongs in the table as ours.
    expect([...READ_BY_DEPENDENCIES.keys()].filter((name) => code.has(name) || !readme.has(name))).toEqual(
      [],
    );
    // The scan itself must see the settings it is meant to see.
    expect(code.get('MAX_REQUEST_BYTES')).toBe('libs/scoring/src/settings.ts');
    expect(code.has('BLOB_POLL_INTERVAL_MS') && code.has('LOCAL_HOST_WORKERS') && code.has('PORT')).toBe(
      true,
    );
  });
});
