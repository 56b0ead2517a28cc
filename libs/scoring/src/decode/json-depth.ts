import { ScoringError } from '../errors.js';

/**
 * Deep enough for any tensor (rank 8 inside a v2 body is under 12) and for the JSON an entry script reads;
 * far below what costs anything. A body of 4 million `[` takes V8's JSON.parse 2 s of CPU before it can
 * fail, so the depth is counted on the bytes first, in one pass that allocates nothing.
 */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

/**
 * Throws INVALID_INPUT when arrays and objects nest deeper than `maxDepth`. UTF-8 never puts an ASCII byte
 * inside a multi-byte character, so brackets and quotes are found on the bytes as they are; brackets
 * inside strings are skipped. Malformed JSON is left for JSON.parse to name.
 */
export function checkJsonDepth(bytes: Uint8Array, maxDepth = MAX_JSON_DEPTH): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > maxDepth) {
        throw new ScoringError(
          'INVALID_INPUT',
          `the JSON nests arrays and objects more than ${maxDepth} deep (at byte ${i}); no model input or entry-script request needs that`,
        );
      }
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--;
    }
  }
}
