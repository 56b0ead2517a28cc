import { randomUUID } from 'node:crypto';
import { defineConfig } from 'vitest/config';
import { projectConfig } from '../vitest.shared.js';

// Every process the suite starts inherits this mark; no-leftovers fails the run if one marked redis-server,
// Azurite or host outlives it. Set here, in the main process, so the test workers get it too.
process.env.MODELFN_TEST_RUN ??= randomUUID();

/**
 * Suites that load the OCR models or put load on the host on purpose: one file at a time. Two of them at
 * once on 2 cores ran into the host's own start bounds (HTTP workers listening within 60 s, the OCR
 * script's init within 30 s), and a suite that measures shedding or hits under load needs the CPU it loads.
 */
const ALONE = [
  'test/ocr/**/*.test.ts',
  'test/playground/**/*.test.ts',
  'test/all-triggers.test.ts',
  'test/inference-pool-stress.test.ts',
  'test/overload.test.ts',
  'test/cache-under-load.test.ts',
  'test/several-hosts.test.ts',
];

const base = projectConfig(import.meta.dirname, 120_000);
// Each project's copy of no-leftovers runs its teardown once every file of both has run.
const shared = {
  ...base.test,
  env: { MODELFN_TEST_RUN: process.env.MODELFN_TEST_RUN },
  globalSetup: ['test/support/no-leftovers.ts'],
};

// The other suites (mnist only) run two files at a time, then the ones above one at a time. Each project
// names its files itself (a project's `extends` would add them to the shared include).
export default defineConfig({
  test: {
    projects: [
      {
        ...base,
        test: { ...shared, name: 'e2e', exclude: ALONE, sequence: { groupOrder: 0 } },
      },
      {
        ...base,
        test: {
          ...shared,
          name: 'e2e-alone',
          include: ALONE,
          fileParallelism: false,
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
