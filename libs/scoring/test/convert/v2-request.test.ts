import { describe, expect, it } from 'vitest';
import { parseV2Request, splitBinaryBody } from '../../src/convert/v2-request.js';
import { codeOf } from '../support/codes.js';

const limits = { maxRequestBytes: 1 << 20, maxImagePixels: 1 << 20, maxBatchRows: 8 };
const input = { name: 'input', features: 2 };
const body = (o: unknown) => Buffer.from(JSON.stringify(o));

describe('Open Inference Protocol v2 requests', () => {
  it('reads flat and nested data', () => {
    const flat = parseV2Request(
      body({ inputs: [{ name: 'input', shape: [2, 2], datatype: 'FP32', data: [1, 2, 3, 4] }] }),
      undefined,
      input,
      limits,
    );
    const nested = parseV2Request(
      body({
        id: 'r1',
        inputs: [
          {
            name: 'input',
            shape: [2, 2],
            datatype: 'FP32',
            data: [
              [1, 2],
              [3, 4],
            ],
          },
        ],
      }),
      undefined,
      input,
      limits,
    );
    expect(Array.from(flat.batch.data)).toEqual([1, 2, 3, 4]);
    expect(Array.from(nested.batch.data)).toEqual([1, 2, 3, 4]);
    expect(nested.id).toBe('r1');
  });

  it('reads binary tensor data after the JSON header', () => {
    const header = body({
      inputs: [{ name: 'input', shape: [1, 2], datatype: 'FP32', parameters: { binary_data_size: 8 } }],
      outputs: [{ name: 'probabilities', parameters: { binary_data: true } }],
    });
    const bin = Buffer.alloc(8);
    bin.writeFloatLE(0.5, 0);
    bin.writeFloatLE(-2, 4);
    const r = parseV2Request(Buffer.concat([header, bin]), header.length, input, limits);
    expect(Array.from(r.batch.data)).toEqual([0.5, -2]);
    expect(r.outputs[0].parameters?.binary_data).toBe(true);
  });

  it('reads a data_key parameter instead of inputs', () => {
    const r = parseV2Request(body({ inputs: [], parameters: { data_key: 'k' } }), undefined, input, limits);
    expect(r.dataKey).toBe('k');
  });

  it.each([
    ['no inputs', { foo: 1 }, 'INVALID_INPUT'],
    ['two inputs', { inputs: [{}, {}] }, 'INVALID_INPUT'],
    [
      'an unknown input name',
      { inputs: [{ name: 'x', shape: [1, 2], datatype: 'FP32', data: [1, 2] }] },
      'INVALID_INPUT',
    ],
    [
      'an unknown datatype name',
      { inputs: [{ name: 'input', shape: [1, 2], datatype: 'FLOAT', data: [1, 2] }] },
      'INVALID_DATATYPE',
    ],
    [
      'a wrong datatype',
      { inputs: [{ name: 'input', shape: [1, 2], datatype: 'INT64', data: [1, 2] }] },
      'INVALID_DATATYPE',
    ],
    [
      'a wrong shape',
      { inputs: [{ name: 'input', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] }] },
      'INVALID_SHAPE',
    ],
    [
      'a shape of wrong rank',
      { inputs: [{ name: 'input', shape: [2], datatype: 'FP32', data: [1, 2] }] },
      'INVALID_SHAPE',
    ],
    [
      'too few values',
      { inputs: [{ name: 'input', shape: [2, 2], datatype: 'FP32', data: [1, 2, 3] }] },
      'INVALID_SHAPE',
    ],
    [
      'too many values',
      { inputs: [{ name: 'input', shape: [1, 2], datatype: 'FP32', data: [1, 2, 3] }] },
      'INVALID_SHAPE',
    ],
    [
      'nesting deeper than the shape',
      { inputs: [{ name: 'input', shape: [1, 2], datatype: 'FP32', data: [[[1, 2]]] }] },
      'INVALID_SHAPE',
    ],
    [
      'a string value',
      { inputs: [{ name: 'input', shape: [1, 2], datatype: 'FP32', data: [1, 'x'] }] },
      'INVALID_DATATYPE',
    ],
    ['no data', { inputs: [{ name: 'input', shape: [1, 2], datatype: 'FP32' }] }, 'INVALID_INPUT'],
    [
      'too many rows',
      { inputs: [{ name: 'input', shape: [9, 2], datatype: 'FP32', data: new Array(18).fill(0) }] },
      'TOO_MANY_ROWS',
    ],
  ])('refuses %s', (_n, req, code) => {
    expect(codeOf(() => parseV2Request(body(req), undefined, input, limits))).toBe(code);
  });

  it('refuses a binary size that does not match the shape, or data past the end', () => {
    const h = body({
      inputs: [{ name: 'input', shape: [1, 2], datatype: 'FP32', parameters: { binary_data_size: 4 } }],
    });
    expect(codeOf(() => parseV2Request(Buffer.concat([h, Buffer.alloc(4)]), h.length, input, limits))).toBe(
      'INVALID_SHAPE',
    );
    const h2 = body({
      inputs: [{ name: 'input', shape: [1, 2], datatype: 'FP32', parameters: { binary_data_size: 8 } }],
    });
    expect(codeOf(() => parseV2Request(Buffer.concat([h2, Buffer.alloc(4)]), h2.length, input, limits))).toBe(
      'INVALID_INPUT',
    );
  });

  it('refuses a header length outside the body', () => {
    expect(codeOf(() => splitBinaryBody(Buffer.alloc(4), 5))).toBe('INVALID_INPUT');
    expect(codeOf(() => splitBinaryBody(Buffer.alloc(4), -1))).toBe('INVALID_INPUT');
  });
});
