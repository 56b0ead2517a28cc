import { describe, expect, it } from 'vitest';
import { checkJsonDepth, MAX_JSON_DEPTH } from '../../src/decode/json-depth.js';
import { MAX_ERROR_MESSAGE_CHARS, ScoringError } from '../../src/errors.js';
import { readSettings } from '../../src/settings.js';
import { fakeModel, MapCache, repositoryOf, scorerOf } from '../support/fakes.js';
import { failureOf } from '../support/codes.js';

const settings = readSettings({});

function nested(depth: number, inner = '0'): string {
  return '['.repeat(depth) + inner + ']'.repeat(depth);
}

describe('JSON nesting depth', () => {
  it('counts arrays and objects, not brackets inside strings', () => {
    expect(() => checkJsonDepth(Buffer.from(nested(MAX_JSON_DEPTH)))).not.toThrow();
    expect(() => checkJsonDepth(Buffer.from(nested(MAX_JSON_DEPTH + 1)))).toThrow(/more than 64 deep/);
    const objects = '{"a":'.repeat(MAX_JSON_DEPTH + 1) + '1' + '}'.repeat(MAX_JSON_DEPTH + 1);
    expect(() => checkJsonDepth(Buffer.from(objects))).toThrow(ScoringError);
    const quoted = JSON.stringify({ text: '['.repeat(1000) + '\\"[[[' + '{'.repeat(1000) });
    expect(() => checkJsonDepth(Buffer.from(quoted))).not.toThrow();
  });

  it('refuses a body of millions of brackets with INVALID_INPUT and a short message, before JSON.parse', async () => {
    const { version, calls } = fakeModel();
    const s = scorerOf(settings, repositoryOf({ version }), new MapCache());
    // 8 MB under the default MAX_REQUEST_BYTES: JSON.parse alone would spend seconds on it.
    for (const text of [nested(4_000_000), '['.repeat(8_000_000)]) {
      const e = await failureOf(
        Promise.resolve().then(() => s.infer({ body: Buffer.from(text), contentType: 'application/json' })),
      );
      expect(e.code).toBe('INVALID_INPUT');
      expect(e.status).toBe(400);
      expect(e.message.length).toBeLessThan(MAX_ERROR_MESSAGE_CHARS);
    }
    expect(calls).toEqual([]);
  });

  it('refuses the same nesting in JSON a host parsed (a Service Bus message) without walking all of it', async () => {
    const { version } = fakeModel();
    const s = scorerOf(settings, repositoryOf({ version }), new MapCache());
    let deep: unknown = 0;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const e = await failureOf(Promise.resolve().then(() => s.infer({ object: { data: deep } })));
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.message.length).toBeLessThan(MAX_ERROR_MESSAGE_CHARS);
  });

  it('keeps v2 bodies within the same bound', async () => {
    const { version } = fakeModel();
    const s = scorerOf(settings, repositoryOf({ version }), new MapCache());
    const body = Buffer.from(
      `{"inputs":[{"name":"input","datatype":"FP32","shape":[1,2],"data":${nested(100_000)}}]}`,
    );
    const e = await failureOf(Promise.resolve().then(() => s.infer({ v2: body })));
    expect(e.code).toBe('INVALID_INPUT');
  });
});

describe('error messages', () => {
  it('are bounded however much of the input they quote', () => {
    const e = new ScoringError('INVALID_SHAPE', `got nesting [${new Array(1_000_000).fill(1).join(',')}]`);
    expect(e.message.length).toBeLessThanOrEqual(MAX_ERROR_MESSAGE_CHARS);
    expect(e.message).toMatch(/^got nesting \[1,1,/);
    expect(e.message).toMatch(/more characters left out\)$/);
    expect(JSON.stringify(e.toJSON()).length).toBeLessThan(MAX_ERROR_MESSAGE_CHARS + 50);
  });

  it('are left whole when short', () => {
    expect(new ScoringError('INVALID_INPUT', 'short').message).toBe('short');
  });
});
