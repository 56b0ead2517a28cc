import { describe, expect, it } from 'vitest';
import { amlInputs, parseAmlBody } from '../../src/decode/aml-json.js';
import { parseJson } from '../../src/decode/parse-json.js';
import { codeOf } from '../support/codes.js';
import { fakeModel } from '../support/fakes.js';

const limits = { maxRequestBytes: 1 << 20, maxImagePixels: 1 << 20, maxBatchRows: 4 };
/** One FP32 input of 3 values per row. */
const model = fakeModel({ features: 3 }).version;

/** An Azure ML style body as the model's inputs (or the key it names). */
function decode(body: unknown) {
  const aml = parseAmlBody(body);
  return aml.kind === 'data' ? amlInputs(model, aml.data, limits) : aml;
}

describe('AML JSON rows', () => {
  it('reads a list of rows', () => {
    const b = amlInputs(
      model,
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      limits,
    );
    expect(b.rows).toBe(2);
    expect(b.inputs).toHaveLength(1);
    expect(b.inputs[0]).toMatchObject({ name: 'input', datatype: 'FP32', shape: [2, 3] });
    expect(Array.from(b.inputs[0].data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('reads one flat row as a batch of one', () => {
    const b = amlInputs(model, [1, 2, 3], limits);
    expect(b.rows).toBe(1);
    expect(b.inputs[0].shape).toEqual([1, 3]);
  });

  it('parses {"data": ...} and {"data_key": ...}', () => {
    expect(parseAmlBody({ data: [[0, 0]] })).toEqual({ kind: 'data', data: [[0, 0]] });
    expect(parseAmlBody({ data_key: 'k1' })).toEqual({ kind: 'data_key', key: 'k1' });
  });

  it.each([
    ['a row of the wrong length', { data: [[1, 2]] }, 'INVALID_SHAPE'],
    ['nested too deep', { data: [[[1, 2, 3]]] }, 'INVALID_SHAPE'],
    ['data not a list', { data: 'x' }, 'INVALID_SHAPE'],
    ['a string value', { data: [[1, 'NaN', 3]] }, 'INVALID_DATATYPE'],
    ['a null value', { data: [[1, null, 3]] }, 'INVALID_DATATYPE'],
    ['no rows', { data: [] }, 'INVALID_SHAPE'],
    [
      'too many rows',
      {
        data: [
          [1, 2, 3],
          [1, 2, 3],
          [1, 2, 3],
          [1, 2, 3],
          [1, 2, 3],
        ],
      },
      'TOO_MANY_ROWS',
    ],
    ['no data', { rows: [] }, 'INVALID_INPUT'],
    ['a list body', [[1, 2, 3]], 'INVALID_INPUT'],
    ['an empty data_key', { data_key: '' }, 'INVALID_INPUT'],
  ])('refuses %s', (_name, body, code) => {
    expect(codeOf(() => decode(body))).toBe(code);
  });

  it('refuses text that is not JSON with a 400', () => {
    expect(codeOf(() => parseJson(Buffer.from('{"data": [1,')))).toBe('INVALID_JSON');
  });
});
