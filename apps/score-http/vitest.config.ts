import { mergeConfig } from 'vitest/config';
import { projectConfig } from '../../vitest.shared.js';

// Error responses are the point of many tests; their log lines would bury the report (LOG_LEVEL=info shows them).
export default mergeConfig(projectConfig(import.meta.dirname), {
  test: { env: { LOG_LEVEL: process.env.LOG_LEVEL ?? 'error' } },
});
