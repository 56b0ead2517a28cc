/** The groups of rows, in the order the suite runs them; `--only` picks some. */
export const SUITE_STEPS = ['score', 'batching', 'process', 'ocr', 'off-loop', 'packaged'] as const;
export type SuiteStep = (typeof SUITE_STEPS)[number];
