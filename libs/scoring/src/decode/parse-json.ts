import { ScoringError } from '../errors.js';

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ScoringError('INVALID_JSON', `the body is not valid JSON: ${(e as Error).message}`);
  }
}
