import { afterAll, describe, expect, it } from 'vitest';
import { codecs } from '../../src/decode/codecs.js';
import type { Codec } from '../../src/decode/decoded.js';
import { amlRequest } from '../../src/entry-script/aml-request.js';
import { registerCodec } from '../../src/index.js';
import { readSettings } from '../../src/settings.js';
import { fakeModel, MapCache, repositoryOf, valuesOf, scorerOf } from '../support/fakes.js';

const settings = readSettings({});
const json = codecs.find('application/json')!;
// The registry is the process's: the JSON codec is put back for whatever runs after this file.
afterAll(() => registerCodec('application/json', json));

/** `text/csv`: one row of the model's features per line. */
registerCodec('text/csv', (body, { model }) => {
  const rows = body
    .toString('utf8')
    .trim()
    .split('\n')
    .map((line) => line.split(',').map(Number));
  const spec = model.inputs[0];
  return {
    inputs: [
      {
        name: spec.name,
        datatype: 'FP32',
        shape: [rows.length, ...spec.dims],
        data: Float32Array.from(rows.flat()),
      },
    ],
    rows: rows.length,
  };
});

describe('registerCodec', () => {
  it('decodes a body of a new media type with the codec a user registered, cached like any other', async () => {
    const { version, calls } = fakeModel();
    const s = scorerOf(settings, repositoryOf({ version }), new MapCache());
    const body = Buffer.from('1,2\n3,4\n');
    const first = await s.infer({ body, contentType: 'Text/CSV; header=absent' });
    expect(first.rows).toBe(2);
    expect(valuesOf(first.outputs[0])).toEqual([3, -3, 7, -7]);
    await new Promise((r) => setImmediate(r));
    expect((await s.infer({ body, contentType: 'text/csv' })).cache).toBe('hit');
    expect(calls).toEqual([2]);
  });

  it('decodes JSON a host parsed, and parses it for entry scripts, with the codec registered for application/json', async () => {
    const seen: unknown[] = [];
    const counting: Codec = {
      decode: json.decode,
      parse: (body) => (seen.push('bytes'), json.parse!(body)),
      decodeValue: (value, ctx) => (seen.push(value), json.decodeValue!(value, ctx)),
    };
    registerCodec('application/json', counting);
    const { version } = fakeModel();
    const s = scorerOf(settings, repositoryOf({ version }), new MapCache());
    const answer = await s.infer({ object: { data: [[5, 5]] } });
    expect(valuesOf(answer.outputs[0])).toEqual([10, -10]);
    expect(seen).toEqual([{ data: [[5, 5]] }]);
    expect(amlRequest({ trigger: 'http', body: Buffer.from('[1]') }).json()).toEqual([1]);
    expect(seen).toHaveLength(2);
    // A message the host parsed reaches the script as that value, not parsed again.
    const parsed = { data: [[1, 1]] };
    expect(amlRequest({ trigger: 'servicebus', body: Buffer.from('{}'), value: parsed }).json()).toBe(parsed);
    expect(seen).toHaveLength(2);
  });
});
