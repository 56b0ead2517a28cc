import { describe, expect, it } from 'vitest';
import { amlResponse, encodeV2Response } from '../../src/convert/outputs.js';
import { checkFinite } from '../../src/convert/row-batch.js';

const out = { probabilities: Float32Array.from([0.1, 0.9, 0.7, 0.3]), rows: 2, classes: 2 };

describe('outputs', () => {
  it('answers labels, or labels with probabilities', () => {
    expect(amlResponse(out, ['cat', 'dog'], false)).toEqual(['dog', 'cat']);
    expect(amlResponse(out, undefined, false)).toEqual([1, 0]);
    expect(amlResponse(out, undefined, true)).toEqual([
      { label: 1, probabilities: [0.1, 0.9] },
      { label: 0, probabilities: [0.7, 0.3] },
    ]);
  });

  it('encodes a v2 JSON response', () => {
    const r = encodeV2Response(
      { model: 'm', version: '1', id: 'x', outputName: 'probabilities' },
      out,
      [],
      false,
    );
    expect(r.headerLength).toBeUndefined();
    expect(JSON.parse(r.body.toString())).toEqual({
      model_name: 'm',
      model_version: '1',
      id: 'x',
      outputs: [{ name: 'probabilities', datatype: 'FP32', shape: [2, 2], data: [0.1, 0.9, 0.7, 0.3] }],
    });
  });

  it('encodes binary outputs after the JSON header', () => {
    const r = encodeV2Response(
      { model: 'm', version: '1', outputName: 'probabilities' },
      out,
      [{ name: 'probabilities', parameters: { binary_data: true } }],
      false,
    );
    const header = JSON.parse(r.body.subarray(0, r.headerLength).toString());
    expect(header.outputs[0].parameters.binary_data_size).toBe(16);
    expect(r.body.subarray(r.headerLength!).readFloatLE(4)).toBeCloseTo(0.9, 6);
  });

  it('refuses an unknown output name', () => {
    expect(() =>
      encodeV2Response(
        { model: 'm', version: '1', outputName: 'probabilities' },
        out,
        [{ name: 'logits' }],
        false,
      ),
    ).toThrow(/unknown output/);
  });

  it('refuses NaN and infinities, naming the row', () => {
    expect(() => checkFinite(Float32Array.from([1, 2, NaN, 4]), 2)).toThrow(/row 1 value 0 is NaN/);
    expect(() => checkFinite(Float32Array.from([1e39]), 1)).toThrow(/Infinity/);
  });
});
