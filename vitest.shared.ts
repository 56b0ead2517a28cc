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

export function projectConfig(projectDir: string, timeoutMs = 30_000) {
  return defineConfig({
    resolve: { alias },
    test: {
      root: projectDir,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: timeoutMs,
      hookTimeout: 120_000,
      pool: 'forks',
      fileParallelism: false,
    },
  });
}
