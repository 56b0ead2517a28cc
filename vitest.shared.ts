// One Vitest configuration for every project: path aliases come from tsconfig.base.json so tests import
// libs exactly as the apps do (`@modelfn/...`).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

const root = dirname(fileURLToPath(import.meta.url));
const tsconfig = JSON.parse(readFileSync(resolve(root, 'tsconfig.base.json'), 'utf8')) as {
  compilerOptions: { paths: Record<string, string[]> };
};
const alias = Object.fromEntries(
  Object.entries(tsconfig.compilerOptions.paths).map(([k, [v]]) => [k, resolve(root, v)]),
);

/**
 * Test files run in up to `workers` forks at once (CI has 2 cores; one file at a time mostly kept one of them
 * busy). Every file brings its own temp dirs and free ports; a project whose files share something on disk
 * passes 1. `--no-file-parallelism` runs a project's files one at a time.
 */
export function projectConfig(projectDir: string, timeoutMs = 30_000, workers = 2) {
  return defineConfig({
    resolve: { alias },
    test: {
      root: projectDir,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: timeoutMs,
      hookTimeout: 120_000,
      pool: 'forks',
      fileParallelism: workers > 1,
      maxWorkers: workers,
    },
  });
}
