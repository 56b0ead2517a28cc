import { describe, expect, it } from 'vitest';
import { parseAmlJson, parseJson, rowsFromJson } from '../../src/convert/aml-json.js';
import { codeOf } from '../support/codes.js';

const limits = { maxRequestBytes: 1 << 20, maxImagePixels: 1 << 20, maxBatchRows: 4 };

describe('AML JSON rows', () => {
  it('reads a list of rows', () => {
    const b = rowsFromJson(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      3,
      limits,
    );
    expect(b.rows).toBe(2);
    expect(Array.from(b.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('reads one flat row as a batch of one', () => {
    expect(rowsFromJson([1, 2, 3], 3, limits).rows).toBe(1);
  });

  it('parses {"data": ...} and {"data_key": ...}', () => {
    expect(parseAmlJson({ data: [[0, 0]] }, 2, limits).kind).toBe('rows');
    expect(parseAmlJson({ data_key: 'k1' }, 2, limits)).toEqual({ kind: 'data_key', key: 'k1' });
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
    expect(codeOf(() => parseAmlJson(body, 3, limits))).toBe(code);
  });

  it('refuses text that is not JSON with a 400', () => {
    expect(codeOf(() => parseJson('{"data": [1,'))).toBe('INVALID_JSON');
  });
});
