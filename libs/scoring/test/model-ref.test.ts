import { describe, expect, it } from 'vitest';
import { parseModelRef } from '../src/model-ref.js';
import { codeOf, messageOf } from './support/codes.js';

describe('parseModelRef ("name[:version]" on every trigger)', () => {
  it('reads a name, and a name with a positive version', () => {
    expect(parseModelRef('mnist', 'header x-model')).toEqual({ model: 'mnist' });
    expect(parseModelRef(' mnist:12 ', 'header x-model')).toEqual({ model: 'mnist', version: '12' });
    expect(parseModelRef(undefined, 'header x-model')).toEqual({});
    expect(parseModelRef('', 'header x-model')).toEqual({});
  });

  // Issue 14 item 6: "mnist:" must not quietly mean the default version.
  it.each(['mnist:', 'mnist: ', 'mnist:0', 'mnist:01', 'mnist:-1', 'mnist:1.5', ':1', 'a:b:c', 'mnist:abc'])(
    'refuses %j with INVALID_INPUT (400) naming where it came from',
    (value) => {
      expect(codeOf(() => parseModelRef(value, 'header x-model'))).toBe('INVALID_INPUT');
      expect(messageOf(() => parseModelRef(value, 'header x-model'))).toMatch(/^header x-model ".*" must be/);
    },
  );

  it('refuses a non-string and cuts a long value short in its message', () => {
    expect(codeOf(() => parseModelRef(7, 'application property "model"'))).toBe('INVALID_INPUT');
    expect(messageOf(() => parseModelRef(`${'m'.repeat(5000)}:`, 'x')).length).toBeLessThan(300);
  });
});
