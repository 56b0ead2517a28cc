import { expect } from 'vitest';
import { ScoringError } from '../../src/errors.js';

/** The ScoringError code a call fails with, or 'no error': one assertion per bad input reads as a table. */
export function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as ScoringError).code;
  }
  return 'no error';
}

export async function codeOfAsync(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as ScoringError).code;
  }
  return 'no error';
}

/** The message of the ScoringError a call fails with; fails the test when it throws anything else. */
export function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ScoringError);
    return (e as ScoringError).message;
  }
  throw new Error('expected a ScoringError');
}

/** The ScoringError a promise rejects with; fails the test when it resolves or rejects with anything else. */
export async function failureOf(p: Promise<unknown>): Promise<ScoringError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ScoringError);
    return e as ScoringError;
  }
  throw new Error('expected a ScoringError');
}
