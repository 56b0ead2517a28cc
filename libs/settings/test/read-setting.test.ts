import { describe, expect, it } from 'vitest';
import {
  checkInt,
  enumSetting,
  flagSetting,
  intSetting,
  numberSetting,
  portSetting,
  SettingError,
  textSetting,
} from '../src/index.js';

/** The error a read throws, for its class, setting and message. */
function refusal(read: () => unknown): SettingError {
  try {
    read();
  } catch (e) {
    return e as SettingError;
  }
  throw new Error('the read did not refuse');
}

describe('setting reads', () => {
  it('take unset and empty as the default', () => {
    for (const env of [{}, { X: '' }]) {
      expect(intSetting(env, 'X', 5)).toBe(5);
      expect(numberSetting(env, 'X', 1.5)).toBe(1.5);
      expect(portSetting(env, 'X', 7071)).toBe(7071);
      expect(enumSetting(env, 'X', ['a', 'b'] as const, 'b')).toBe('b');
      expect(flagSetting(env, 'X')).toBe(false);
      expect(textSetting(env, 'X', 'd')).toBe('d');
      expect(textSetting(env, 'X')).toBeUndefined();
    }
  });

  it('parse valid values', () => {
    expect(intSetting({ X: '12' }, 'X', 1, { min: 1, max: 64 })).toBe(12);
    expect(numberSetting({ X: '0.25' }, 'X', 1)).toBe(0.25);
    expect(portSetting({ X: '0' }, 'X', 1)).toBe(0);
    expect(enumSetting({ X: 'a' }, 'X', ['a', 'b'] as const, 'b')).toBe('a');
    expect(flagSetting({ X: 'TRUE' }, 'X')).toBe(true);
    expect(textSetting({ X: 'v' }, 'X', 'd')).toBe('v');
    expect(checkInt(3, 'X', { min: 1 })).toBe(3);
  });

  it('refuse anything else with the setting name, the value and what is allowed', () => {
    const cases: [() => unknown, RegExp][] = [
      [() => intSetting({ N: '1.5' }, 'N', 1, { min: 1 }), /^setting N=1\.5 must be an integer >= 1$/],
      [
        () => intSetting({ N: '65' }, 'N', 1, { min: 1, max: 64 }),
        /^setting N=65 must be an integer from 1 to 64$/,
      ],
      [() => intSetting({ N: 'ten' }, 'N', 1), /^setting N=ten must be an integer$/],
      [() => numberSetting({ N: '-1' }, 'N', 1), /^setting N=-1 must be a number >= 0$/],
      [() => portSetting({ PORT: '70000' }, 'PORT', 1), /^setting PORT=70000 must be a port number/],
      [() => enumSetting({ E: 'c' }, 'E', ['a', 'b'], 'a'), /^setting E=c must be one of a, b$/],
      [() => flagSetting({ F: 'yes' }, 'F'), /^setting F=yes must be true or false$/],
      [() => checkInt(0, 'N', { min: 1 }), /^option for N is 0; it must be an integer >= 1$/],
    ];
    for (const [read, message] of cases) {
      const e = refusal(read);
      expect(e).toBeInstanceOf(SettingError);
      expect(e.code).toBe('INVALID_SETTING');
      expect(e.message).toMatch(message);
    }
    expect(refusal(() => portSetting({ PORT: 'x' }, 'PORT', 1)).setting).toBe('PORT');
  });
});
