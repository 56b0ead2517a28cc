import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildWorkdir, parseCopies } from './dockerfile.js';

const ROOT = resolve(import.meta.dirname, '../..');
const DOCKER = resolve(ROOT, 'docker');
const dockerfiles = readdirSync(DOCKER).filter((f) => f.endsWith('.Dockerfile'));

// Docker cannot run on this machine, so each image is checked by what it would copy: every source must
// exist after `nx build` (the test target depends on the apps' builds) and `npm ci`.
describe.each(dockerfiles)('%s', (file) => {
  const text = readFileSync(join(DOCKER, file), 'utf8');
  const app = file.replace('.Dockerfile', '');
  const workdir = buildWorkdir(text);

  it('builds on the Azure Functions Node 22 image, multi-stage', () => {
    const froms = text.match(/^FROM\s+\S+/gm) ?? [];
    expect(froms.length).toBeGreaterThanOrEqual(2);
    // The build stage too: the native modules npm ci installs there must match the runtime's Node.
    for (const from of froms) expect(from).toBe('FROM mcr.microsoft.com/azure-functions/node:4-node22');
    expect(text).toContain(`nx run ${app}:build`);
    expect(text).toContain('--omit=dev');
  });

  it('copies only paths that exist', () => {
    const copies = parseCopies(text);
    expect(copies.length).toBeGreaterThan(0);
    for (const c of copies) {
      for (const src of c.sources) {
        const local = c.from ? relative(workdir, src) : src;
        expect(existsSync(join(ROOT, local)), `${file}:${c.line} copies ${src}, missing as ${local}`).toBe(
          true,
        );
      }
    }
  });

  it('copies every workspace manifest before npm ci (npm ci refuses a lock file naming missing workspaces)', () => {
    const beforeCi = text.slice(0, text.indexOf('RUN npm ci'));
    const copied = parseCopies(beforeCi).flatMap((c) => c.sources);
    const workspaces = (
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] }
    ).workspaces;
    const manifests = workspaces.flatMap((w) =>
      w.endsWith('/*')
        ? readdirSync(join(ROOT, w.slice(0, -2)))
            .map((d) => `${w.slice(0, -2)}/${d}/package.json`)
            .filter((f) => existsSync(join(ROOT, f)))
        : [`${w}/package.json`],
    );
    for (const m of manifests) expect(copied, `${file} does not copy ${m} before npm ci`).toContain(m);
  });

  it('ships the app entry point, its host.json and the model repository', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'apps', app, 'package.json'), 'utf8')) as { main: string };
    expect(existsSync(join(ROOT, 'apps', app, pkg.main))).toBe(true);
    expect(existsSync(join(ROOT, 'apps', app, 'host.json'))).toBe(true);
    // From the build stage: the repository with its entry scripts compiled (models/*/dist/score.js).
    expect(text).toMatch(/COPY --from=build \/src\/models \.\/models\//);
  });
});

describe('.dockerignore', () => {
  it('keeps node_modules and build output out of the context', () => {
    const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8');
    expect(ignore).toContain('**/node_modules');
    expect(ignore).toContain('**/dist');
  });
});
