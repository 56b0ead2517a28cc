// What the other folders of the core use from the cache: its face (ScoringCache, made once per scorer), the
// row keys and values the pipeline and the body memo cache by, and the types they name. Backends stay inside.
export type { CacheStatus, RowCache } from './backends/row-cache.js';
export type { InputStore } from './input-store.js';
export type { ResultCache } from './result-cache.js';
export { createScoringCache, scoringCache, type ScoringCache } from './scoring-cache.js';
export { outputsTag, rowKeys } from './rows/row-keys.js';
export { decodeRowValue, encodeRowValue, outputsView, rowLayout } from './rows/row-value.js';
export { memoAnswer, memoValue } from './memo-rows.js';
