import { describe, expect, it } from 'vitest';
import {
  decodeV2Body,
  decodeV2Object,
  MAX_REQUEST_ID_LENGTH,
  splitBinaryBody,
} from '../../src/decode/v2-request.js';
import { codeOf, messageOf } from '../support/codes.js';
import { fakeModel } from '../support/fakes.js';

const limits = { maxRequestBytes: 1 << 20, maxImagePixels: 1 << 20, maxBatchRows: 8 };
/** One FP32 input "input" of 2 values per row, one output "out". */
const model = fakeModel().version;
const body = (o: unknown) => Buffer.from(JSON.stringify(o));
const parseV2Request = (b: Buffer, headerLength: number | undefined) =>
  decodeV2Body(b, headerLength, model, limits);
const floats = (r: { inputs?: { data: unknown }[] }) => Array.from(r.inputs![0].data as Float32Array);

describe('Open Inference Protocol v2 requests', () => {
  it('reads flat and nested data', () => {
    const flat = parseV2Request(
      body({ inputs: [{ name: 'input', shape: [2, 2], datatype: 'FP32', data: [1, 2, 3, 4] }] }),
      undefined,
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
    );
    expect(floats(flat)).toEqual([1, 2, 3, 4]);
    expect(flat.rows).toBe(2);
    expect(flat.inputs![0]).toMatchObject({ name: 'input', datatype: 'FP32', shape: [2, 2] });
    expect(floats(nested)).toEqual([1, 2, 3, 4]);
    expect(nested.meta.id).toBe('r1');
  });

  it('reads binary tensor data after the JSON header', () => {
    const header = body({
      inputs: [{ name: 'input', shape: [1, 2], datatype: 'FP32', parameters: { binary_data_size: 8 } }],
      outputs: [{ name: 'out', parameters: { binary_data: true } }],
    });
    const bin = Buffer.alloc(8);
    bin.writeFloatLE(0.5, 0);
    bin.writeFloatLE(-2, 4);
    const r = parseV2Request(Buffer.concat([header, bin]), header.length);
    expect(floats(r)).toEqual([0.5, -2]);
    expect(r.meta.outputs).toEqual([{ name: 'out', binary: true }]);
  });

  it('reads a data_key parameter instead of inputs', () => {
    const r = parseV2Request(body({ inputs: [], parameters: { data_key: 'k' } }), undefined);
    expect(r.dataKey).toBe('k');
    expect(r.inputs).toBeUndefined();
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
    expect(codeOf(() => parseV2Request(body(req), undefined))).toBe(code);
  });

  it('refuses a binary size that does not match the shape, or data past the end', () => {
    const h = body({
      inputs: [{ name: 'input', shape: [1, 2], datatype: 'FP32', parameters: { binary_data_size: 4 } }],
    });
    expect(codeOf(() => parseV2Request(Buffer.concat([h, Buffer.alloc(4)]), h.length))).toBe('INVALID_SHAPE');
    const h2 = body({
      inputs: [{ name: 'input', shape: [1, 2], datatype: 'FP32', parameters: { binary_data_size: 8 } }],
    });
    expect(codeOf(() => parseV2Request(Buffer.concat([h2, Buffer.alloc(4)]), h2.length))).toBe(
      'INVALID_INPUT',
    );
  });

  it('refuses an unknown output name', () => {
    const req = {
      inputs: [{ name: 'input', shape: [1, 2], datatype: 'FP32', data: [1, 2] }],
      outputs: [{ name: 'logits' }],
    };
    expect(() => decodeV2Object(req, Buffer.alloc(0), model, limits)).toThrow(/unknown output "logits"/);
    expect(codeOf(() => parseV2Request(body(req), undefined))).toBe('INVALID_INPUT');
  });

  it(`caps the echoed request id at MAX_REQUEST_ID_LENGTH (${MAX_REQUEST_ID_LENGTH}) characters, JSON or binary`, () => {
    const input = { name: 'input', shape: [1, 2], datatype: 'FP32', data: [1, 2] };
    const ok = 'i'.repeat(MAX_REQUEST_ID_LENGTH);
    expect(parseV2Request(body({ id: ok, inputs: [input] }), undefined).meta.id).toBe(ok);
    for (const id of ['i'.repeat(MAX_REQUEST_ID_LENGTH + 1), 'i'.repeat(1 << 20)]) {
      expect(codeOf(() => parseV2Request(body({ id, inputs: [input] }), undefined))).toBe('INVALID_INPUT');
      const h = body({
        id,
        inputs: [{ name: 'input', shape: [1, 2], datatype: 'FP32', parameters: { binary_data_size: 8 } }],
      });
      const big = { ...limits, maxRequestBytes: 4 << 20 };
      expect(codeOf(() => decodeV2Body(Buffer.concat([h, Buffer.alloc(8)]), h.length, model, big))).toBe(
        'INVALID_INPUT',
      );
    }
    expect(messageOf(() => parseV2Request(body({ id: 'i'.repeat(300), inputs: [input] }), undefined))).toBe(
      `"id" is 300 characters; at most ${MAX_REQUEST_ID_LENGTH}`,
    );
  });

  it('refuses a header length outside the body', () => {
    expect(codeOf(() => splitBinaryBody(Buffer.alloc(4), 5))).toBe('INVALID_INPUT');
    expect(codeOf(() => splitBinaryBody(Buffer.alloc(4), -1))).toBe('INVALID_INPUT');
  });
});
