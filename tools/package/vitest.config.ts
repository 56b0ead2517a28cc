import { projectConfig } from '../../vitest.shared.js';

// One file at a time: packaging writes each app's package-dist/ in the checkout, which two files would share.
export default projectConfig(import.meta.dirname, 60_000, 1);
