import { ScoringError } from '../errors.js';
import { checkJsonDepth } from './json-depth.js';

/** Bytes of a JSON body as a value: its depth bounded before V8 parses it (see json-depth.ts). */
export function parseJson(body: Buffer): unknown {
  checkJsonDepth(body);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new ScoringError('INVALID_JSON', `the body is not valid JSON: ${(e as Error).message}`);
  }
}
