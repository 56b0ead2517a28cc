import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { predictions, type DataType, type Scorer } from '../../src/index.js';
import { identityModel } from '@modelfn/model-builder';
import { scorerOver } from './repo.js';

// Every datatype onnxruntime-node handles, through the whole core: signature → auto-completed config →
// JSON and v2 decoding → cache-aside → run → outputs by name. Identity models make the expected answer
// the input itself.
const VALUES: Record<DataType, unknown[][]> = {
  BOOL: [
    [true, false, true],
    [false, false, true],
  ],
  UINT8: [
    [0, 255, 7],
    [1, 2, 3],
  ],
  UINT16: [
    [0, 65535, 7],
    [1, 2, 3],
  ],
  UINT32: [
    [0, 4294967295, 7],
    [1, 2, 3],
  ],
  UINT64: [
    [0, 9007199254740991, 7],
    [1, 2, 3],
  ],
  INT8: [
    [-128, 127, 0],
    [1, -2, 3],
  ],
  INT16: [
    [-32768, 32767, 0],
    [1, -2, 3],
  ],
  INT32: [
    [-2147483648, 2147483647, 0],
    [1, -2, 3],
  ],
  INT64: [
    [-9007199254740991, 9007199254740991, 0],
    [1, -2, 3],
  ],
  FP16: [
    [0.5, -2, 1024],
    [1, 0.25, -0.125],
  ],
  FP32: [
    [0.5, -2.25, 1e10],
    [1, 0.1, -3],
  ],
  FP64: [
    [0.5, -2.25, 1e300],
    [1, 0.1, -3],
  ],
  BYTES: [
    ['a', 'ünïcode', ''],
    ['x', 'y', 'z'],
  ],
};

const names = Object.keys(VALUES) as DataType[];
const models = Object.fromEntries(names.map((d) => [d.toLowerCase(), { onnx: identityModel(d, [null, 3]) }]));

describe('any datatype, auto-configured', () => {
  let scorer: Scorer;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ scorer, close } = await scorerOver(models));
  });
  afterAll(() => close());

  it('loads every model without a config.json and says what it inferred', () => {
    for (const d of names) {
      const v = scorer.repository.find(d.toLowerCase());
      expect(v.state, `${d}: ${v.reason}`).toBe('READY');
      expect(v.config.max_batch_size).toBeGreaterThan(0);
      expect(v.config.input).toEqual([expect.objectContaining({ name: 'x', dims: [3] })]);
      expect(v.inputs[0].datatype).toBe(d);
    }
  });

  it.each(names)('%s: JSON rows in, the same values out by name, then from the cache', async (d) => {
    const data = VALUES[d];
    const first = await scorer.infer({ object: { data }, model: d.toLowerCase() });
    expect(first.cache).toBe('miss');
    // Floats come back as the shortest decimal that reads back as the same value: 0.1 stays 0.1.
    expect(predictions(first)).toEqual(data.map((row) => ({ y: row })));
    const again = await scorer.infer({ object: { data }, model: d.toLowerCase() });
    expect(again.cache).toBe('hit');
    expect(predictions(again)).toEqual(predictions(first));
  });

  it.each(names)('%s: v2 JSON tensors', async (d) => {
    const data = VALUES[d];
    const result = await scorer.infer({
      object: { inputs: [{ name: 'x', datatype: d, shape: [2, 3], data: data.flat() }] },
      model: d.toLowerCase(),
    });
    expect(result.outputs[0]).toMatchObject({ name: 'y', datatype: d, shape: [2, 3] });
  });

  it("refuses a datatype that is not the model's, and values out of range, with the input named", async () => {
    await expect(
      scorer.infer({
        object: { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] }] },
        model: 'int8',
      }),
    ).rejects.toMatchObject({ code: 'INVALID_DATATYPE', message: expect.stringContaining('"x" is INT8') });
    await expect(scorer.infer({ object: { data: [[1, 2, 300]] }, model: 'uint8' })).rejects.toMatchObject({
      code: 'INVALID_DATATYPE',
    });
    await expect(scorer.infer({ object: { data: [[1, 2]] }, model: 'fp32' })).rejects.toMatchObject({
      code: 'INVALID_SHAPE',
    });
  });
});

describe('any rank', () => {
  let scorer: Scorer;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ scorer, close } = await scorerOver({
      scalars: { onnx: identityModel('FP32', [null]) },
      grid: { onnx: identityModel('INT64', [null, 2, 2]) },
      cube: { onnx: identityModel('FP64', ['batch', 2, 1, 3]) },
    }));
  });
  afterAll(() => close());

  it('rows of one value each', async () => {
    const r = await scorer.infer({ object: { data: [1.5, 2, -3] }, model: 'scalars' });
    expect(r.rows).toBe(3);
    expect(predictions(r)).toEqual([{ y: 1.5 }, { y: 2 }, { y: -3 }]);
  });

  it('rows nested as their shape, or flat when the shape is fixed; one row without the outer list', async () => {
    const nested = await scorer.infer({
      object: {
        data: [
          [
            [1, 2],
            [3, 4],
          ],
          [
            [5, 6],
            [7, 8],
          ],
        ],
      },
      model: 'grid',
    });
    expect(predictions(nested)).toEqual([
      {
        y: [
          [1, 2],
          [3, 4],
        ],
      },
      {
        y: [
          [5, 6],
          [7, 8],
        ],
      },
    ]);
    const flat = await scorer.infer({ object: { data: [[1, 2, 3, 4]] }, model: 'grid' });
    expect(flat.cache).toBe('hit');
    const single = await scorer.infer({
      object: {
        data: [
          [1, 2],
          [3, 4],
        ],
      },
      model: 'grid',
    });
    expect([single.rows, single.cache]).toEqual([1, 'hit']);
    const cube = await scorer.infer({
      object: { inputs: [{ name: 'x', datatype: 'FP64', shape: [1, 2, 1, 3], data: [1, 2, 3, 4, 5, 6] }] },
      model: 'cube',
    });
    expect(predictions(cube)).toEqual([{ y: [[[1, 2, 3]], [[4, 5, 6]]] }]);
    await expect(scorer.infer({ object: { data: [[1, 2, 3]] }, model: 'grid' })).rejects.toMatchObject({
      code: 'INVALID_SHAPE',
      message: expect.stringContaining('[N, 2, 2]'),
    });
  });
});
