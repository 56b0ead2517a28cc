import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fastAmlRows } from '../../src/decode/aml-fast.js';
import { amlInputs } from '../../src/decode/aml-json.js';
import type { ReadyModel } from '../../src/model/model-version.js';
import { fakeModel } from '../support/fakes.js';

const limits = { maxRequestBytes: 1 << 20, maxImagePixels: 1 << 20, maxBatchRows: 4 };
/** A model of one FP32 input of 3 values per row: what the fast path serves. */
const model3 = fakeModel({ features: 3 }).version;

/** What the general path makes of a body (JSON.parse + amlInputs), as float32 bit patterns. */
function general(text: string, features: number, model: ReadyModel = model3): number[] | undefined {
  expect(features).toBe(model.inputs[0].size);
  let decoded: ReturnType<typeof amlInputs>;
  try {
    const body = JSON.parse(text) as { data?: unknown };
    if (typeof body !== 'object' || body === null || Object.keys(body).length !== 1) return undefined;
    decoded = amlInputs(model, body.data, limits);
  } catch {
    return undefined;
  }
  const [input] = decoded.inputs;
  expect(input.shape).toEqual([decoded.rows, ...model.inputs[0].dims]);
  const data = input.data as Float32Array;
  return Array.from(new Uint32Array(data.buffer, data.byteOffset, data.length));
}

function fast(text: string, features: number): number[] | undefined {
  const b = fastAmlRows(Buffer.from(text), features, limits);
  return b && Array.from(new Uint32Array(b.data.buffer, b.data.byteOffset, b.rows * features));
}

/** JSON number texts: shortest round-trip doubles, fixed decimals, long mantissas, exponents, -0. */
const numberText = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
  fc.double({ min: 0, max: 1, noNaN: true }).map((d) => JSON.stringify(d)),
  fc
    .tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 8 }))
    .map(([p, k]) => String(Number((p / 255).toFixed(k)))),
  fc.stringMatching(/^-?0\.[0-9]{1,20}$/),
  fc
    .tuple(
      fc.boolean(),
      fc.stringMatching(/^(0|[1-9][0-9]{0,24})$/),
      fc.option(fc.stringMatching(/^[0-9]{1,30}$/)),
      fc.option(fc.tuple(fc.constantFrom('e', 'E', 'e+', 'e-', 'E-'), fc.integer({ min: 0, max: 60 }))),
    )
    .map(
      ([neg, int, frac, exp]) =>
        `${neg ? '-' : ''}${int}${frac ? `.${frac}` : ''}${exp ? `${exp[0]}${exp[1]}` : ''}`,
    ),
  fc.constantFrom(
    '0',
    '-0',
    '-0.0',
    '1e400',
    '-1e400',
    '1e-400',
    '3.4028235677973366e38',
    '3.4028236e38',
    '1.17549435e-38',
    '0.0000000000000000000000001',
  ),
);

describe('fast /score rows', () => {
  it('gives the float32 bits of JSON.parse + amlInputs for any numbers', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(numberText, { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 4 }),
        (rows) => {
          const text = `{"data":[${rows.map((r) => `[${r.join(',')}]`).join(',')}]}`;
          expect(fast(text, 3)).toEqual(general(text, 3));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('rounds long decimals at float32 rounding boundaries the way JSON.parse does', () => {
    // Midpoints between neighbouring float32s, written with 17 to 30 significant digits and nudged in the
    // last digit: the cases where an inexact mantissa could round to the other float32.
    const f32 = new Float32Array(2);
    const u32 = new Uint32Array(f32.buffer);
    const nearMidpoint = fc
      .tuple(
        fc.integer({ min: 0x0d000000, max: 0x72000000 }),
        fc.integer({ min: 17, max: 30 }),
        fc.constantFrom(-1, 0, 1),
      )
      .map(([bits, digits, nudge]) => {
        u32[0] = bits;
        u32[1] = bits + 1;
        const text = ((f32[0] + f32[1]) / 2).toPrecision(digits);
        const [mant, exp] = text.split('e');
        const last = Number(mant.at(-1));
        const nudged = mant.slice(0, -1) + String(Math.min(9, Math.max(0, last + nudge)));
        return exp === undefined ? nudged : `${nudged}e${exp}`;
      });
    fc.assert(
      fc.property(fc.array(nearMidpoint, { minLength: 3, maxLength: 3 }), (row) => {
        const text = `{"data":[[${row.join(',')}]]}`;
        expect(fast(text, 3)).toEqual(general(text, 3));
      }),
      { numRuns: 5000 },
    );
  });

  it('accepts whitespace and one flat row, like JSON.parse', () => {
    const text = ' \n{ "data" :\t[ 1 , 0.5 ,-2e-3 ] }\r\n';
    expect(fast(text, 3)).toEqual(general(text, 3));
    expect(fast(' {"data": [[1,2,3] , [4,5,6]]} ', 3)).toEqual(general('{"data":[[1,2,3],[4,5,6]]}', 3));
  });

  it('leaves everything else to the general path (which accepts or refuses it with its own message)', () => {
    const others = [
      '{"data_key":"k"}',
      '{"data":[[1,2,3]],"extra":1}',
      '{"extra":1,"data":[[1,2,3]]}',
      '{"data":[[1,2]]}',
      '{"data":[[1,2,3,4]]}',
      '{"data":[]}',
      '{"data":[[1,2,3],5]}',
      '{"data":[[1,"2",3]]}',
      '{"data":[[1,null,3]]}',
      '{"data":[[01,2,3]]}',
      '{"data":[[1.,2,3]]}',
      '{"data":[[+1,2,3]]}',
      '{"data":[[1,2,3]]} x',
      '{"d\\u0061ta":[[1,2,3]]}',
      '\ufeff{"data":[[1,2,3]]}',
      '{"data":[[1,2,3],[1,2,3],[1,2,3],[1,2,3],[1,2,3]]}',
      '{"data":[[[1,2,3]]]}',
      '[[1,2,3]]',
    ];
    for (const text of others) expect(fastAmlRows(Buffer.from(text), 3, limits), text).toBeUndefined();
  });

  it('reads flat rows of a multi-dimensional input as the general path does, whenever it accepts a body', () => {
    const base = fakeModel().version;
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 2, maxLength: 3 }),
        fc.integer({ min: 1, max: 4 }),
        fc.boolean(),
        (dims, rows, oneFlatRow) => {
          const size = dims.reduce((a, b) => a * b, 1);
          const model: ReadyModel = { ...base, inputs: [{ ...base.inputs[0], dims, size }] };
          const values = Array.from({ length: rows }, (_, r) =>
            Array.from({ length: size }, (_, k) => r * 10 + k),
          );
          const text = JSON.stringify({ data: oneFlatRow ? values[0] : values });
          const fastBits = fast(text, size);
          if (fastBits !== undefined) expect(fastBits).toEqual(general(text, size, model));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('grows its buffer up to MAX_BATCH_ROWS rows', () => {
    const rows = Array.from({ length: 4 }, (_, r) => [r, r + 0.25, r + 0.5]);
    const b = fastAmlRows(Buffer.from(JSON.stringify({ data: rows })), 3, limits)!;
    expect(b.rows).toBe(4);
    expect(Array.from(b.data)).toEqual(rows.flat());
  });
});
