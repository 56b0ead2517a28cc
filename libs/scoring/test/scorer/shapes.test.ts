import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { predictions, type Scorer } from '../../src/index.js';
import {
  dynamicDimsModel,
  identityModel,
  MULTI_IO_OFFSET,
  multiIoModel,
  unloadableModel,
} from '@modelfn/model-builder';
import { runsOf } from '../support/runs.js';
import { scorerOver } from './repo.js';

describe('multi-input, dynamic and unbatched models', () => {
  let scorer: Scorer;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ scorer, close } = await scorerOver({
      multi: { onnx: multiIoModel() },
      dynamic: {
        onnx: dynamicDimsModel(),
        config: { dynamic_batching: { max_queue_delay_microseconds: 2000 } },
      },
      // Input [2, 3] with no batch dimension: the whole tensor is one request and one cache entry.
      whole: { onnx: identityModel('FP32', [2, 3]) },
      broken: { onnx: unloadableModel() },
    }));
  });
  afterAll(() => close());

  const sum = (row: number[]) => row.map((v, i) => v + MULTI_IO_OFFSET[i]);

  it('takes named inputs as columns or as records, and answers every output by name', async () => {
    const a = [
      [1, 2, 3],
      [4, 5, 6],
    ];
    const b = [
      [10, 20],
      [30, 40],
    ];
    const expected = [
      { sum: sum(a[0]), b_twice: [20, 40] },
      { sum: sum(a[1]), b_twice: [60, 80] },
    ];
    const columns = await scorer.infer({ object: { data: { a, b } }, model: 'multi' });
    expect(predictions(columns)).toEqual(expected);
    const records = await scorer.infer({
      object: {
        data: [
          { a: a[0], b: b[0] },
          { a: a[1], b: b[1] },
        ],
      },
      model: 'multi',
    });
    expect(predictions(records)).toEqual(expected);
    // Same rows, other form: one cache entry per row covering both inputs.
    expect(records.cache).toBe('hit');
  });

  it('keys each row by every input: the same `a` with another `b` is a miss', async () => {
    const first = await scorer.infer({ object: { data: { a: [[7, 7, 7]], b: [[1, 1]] } }, model: 'multi' });
    const other = await scorer.infer({ object: { data: { a: [[7, 7, 7]], b: [[2, 2]] } }, model: 'multi' });
    expect([first.cache, other.cache]).toEqual(['miss', 'miss']);
    expect(predictions(other)).toEqual([{ sum: sum([7, 7, 7]), b_twice: [4, 4] }]);
  });

  it('names what is missing or unknown, and refuses rows that disagree', async () => {
    await expect(scorer.infer({ object: { data: [[1, 2, 3]] }, model: 'multi' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('"a": rows'),
    });
    await expect(
      scorer.infer({ object: { data: { a: [[1, 2, 3]] } }, model: 'multi' }),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('"b"'),
    });
    await expect(
      scorer.infer({ object: { data: { a: [[1, 2, 3]], b: [[1, 2]], c: [[1]] } }, model: 'multi' }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('"c"') });
    await expect(
      scorer.infer({
        object: {
          data: {
            a: [
              [1, 2, 3],
              [1, 2, 3],
            ],
            b: [[1, 2]],
          },
        },
        model: 'multi',
      }),
    ).rejects.toMatchObject({
      code: 'INVALID_SHAPE',
      message: expect.stringContaining('same number of rows'),
    });
  });

  it('sizes dynamic dimensions from the data; rows of other lengths are other entries', async () => {
    const v = scorer.repository.find('dynamic');
    expect(v.config.input).toEqual([expect.objectContaining({ name: 'x', dims: [-1] })]);
    const short = await scorer.infer({
      object: {
        data: [
          [1, 2],
          [3, 4],
        ],
      },
      model: 'dynamic',
    });
    expect(predictions(short)).toEqual([
      { row_sum: 3, copy: [1, 2] },
      { row_sum: 7, copy: [3, 4] },
    ]);
    const long = await scorer.infer({ object: { data: [[1, 2, 3]] }, model: 'dynamic' });
    expect(long.cache).toBe('miss');
    expect(predictions(long)).toEqual([{ row_sum: 6, copy: [1, 2, 3] }]);
  });

  it('batches concurrent requests only when their shapes agree', async () => {
    const before = await runsOf('dynamic');
    const bodies = [[[11, 1]], [[12, 1]], [[13, 1, 1]], [[14, 1]], [[15, 1, 1]]];
    const results = await Promise.all(
      bodies.map((data) => scorer.infer({ object: { data }, model: 'dynamic' })),
    );
    expect(results.map((r) => predictions(r)[0])).toEqual(
      bodies.map((d) => ({ row_sum: d[0].reduce((a, b) => a + b, 0), copy: d[0] })),
    );
    // Three rows of length 2 share one run, two of length 3 another.
    expect((await runsOf('dynamic')) - before).toBe(2);
  });

  it('scores a model without a batch dimension as a whole, cached as a whole', async () => {
    const v = scorer.repository.find('whole');
    expect(v.config.max_batch_size).toBe(0);
    expect(v.config.input[0].dims).toEqual([2, 3]);
    const data = [
      [1, 2, 3],
      [4, 5, 6],
    ];
    const first = await scorer.infer({ object: { data }, model: 'whole' });
    expect(first.rows).toBe(1);
    expect(predictions(first)).toEqual([{ y: data }]);
    expect((await scorer.infer({ object: { data }, model: 'whole' })).cache).toBe('hit');
    await expect(scorer.infer({ object: { data: [[1, 2, 3]] }, model: 'whole' })).rejects.toMatchObject({
      code: 'INVALID_SHAPE',
    });
  });

  it('reports a model that cannot load with its reason, and serves the others', async () => {
    const broken = scorer.repository.find('broken');
    expect(broken.state).toBe('UNAVAILABLE');
    expect(broken.reason).toMatch(/NoSuchOperator/);
    await expect(scorer.infer({ object: { data: [[1]] }, model: 'broken' })).rejects.toMatchObject({
      code: 'MODEL_NOT_READY',
      message: expect.stringContaining('NoSuchOperator'),
    });
    expect(scorer.repository.isReady()).toBe(true);
  });
});

describe('config.json over the ONNX signature', () => {
  it('overrides field by field, and refuses what contradicts the model with the reason', async () => {
    const { scorer, close } = await scorerOver({
      fixed: { onnx: dynamicDimsModel(), config: { input: [{ name: 'x', dims: [4] }] } },
      wrongtype: { onnx: identityModel('FP32'), config: { input: [{ name: 'x', data_type: 'TYPE_INT64' }] } },
      wrongname: { onnx: identityModel('FP32'), config: { output: [{ name: 'nope' }] } },
      nobatch: { onnx: identityModel('FP32', [1, 3]), config: { max_batch_size: 8 } },
      labelled: { onnx: identityModel('FP32', [null, 3]), files: { 'labels.txt': 'cat\ndog\nbird\n' } },
      badjson: { onnx: identityModel('FP32'), files: { 'config.json': '{"max_batch_size": ' } },
      uncached: { onnx: identityModel('FP32'), config: { cache: false } },
    });
    try {
      const fixed = scorer.repository.find('fixed');
      expect(fixed.config.input[0].dims).toEqual([4]);
      await expect(scorer.infer({ object: { data: [[1, 2]] }, model: 'fixed' })).rejects.toMatchObject({
        code: 'INVALID_SHAPE',
      });
      expect(scorer.repository.find('wrongtype').reason).toMatch(
        /data_type TYPE_INT64 differs from the model's TYPE_FP32/,
      );
      expect(scorer.repository.find('wrongname').reason).toMatch(
        /output "nope" is not an output of the model/,
      );
      expect(scorer.repository.find('nobatch').reason).toMatch(/dim 0 .* to be dynamic/);
      const labelled = scorer.repository.find('labelled');
      expect(labelled.classification).toEqual({ scores: 0, labels: ['cat', 'dog', 'bird'] });
      const r = await scorer.infer({ object: { data: [[0.1, 0.7, 0.2]] }, model: 'labelled' });
      expect(predictions(r)).toEqual(['dog']);
      expect(predictions(r, { top: 2 })).toEqual([
        [
          { label: 'dog', probability: 0.7 },
          { label: 'bird', probability: 0.2 },
        ],
      ]);
      expect(scorer.repository.problems.join('\n')).toMatch(/badjson.*not JSON/);
      // "cache": false: never looked up, never stored.
      for (let i = 0; i < 2; i++) {
        expect((await scorer.infer({ object: { data: [[1, 2, 3]] }, model: 'uncached' })).cache).toBe(
          'bypass',
        );
      }
    } finally {
      await close();
    }
  });
});
