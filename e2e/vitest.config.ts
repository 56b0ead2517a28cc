import { randomUUID } from 'node:crypto';
import { mergeConfig } from 'vitest/config';
import { projectConfig } from '../vitest.shared.js';

// Every process the suite starts inherits this mark; no-leftovers fails the run if one marked redis-server,
// Azurite or host outlives it. Set here, in the main process, so the test workers get it too.
process.env.MODELFN_TEST_RUN ??= randomUUID();

export default mergeConfig(projectConfig(import.meta.dirname, 120_000), {
  test: {
    globalSetup: ['test/support/no-leftovers.ts'],
    env: { MODELFN_TEST_RUN: process.env.MODELFN_TEST_RUN },
  },
});
