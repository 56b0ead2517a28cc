import { heavyModel, identityModel } from '@modelfn/model-builder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { predictions, type Scorer } from '../../src/index.js';
import { registry } from '../../src/metrics.js';
import { scorerOver } from './repo.js';

const WIDTH = 256;
/**
 * About a millisecond per row (1.0–1.3 ms measured here). Placement follows measured run time, so each
 * threshold below sits far from what it is compared with: 0.05 ms under heavy's runs (a busy machine only
 * makes them slower; a machine 20 times faster would still move it), and 1 s over light's.
 */
const heavy = heavyModel({ width: WIDTH, layers: 300 });
const row = (seed: number) => Array.from({ length: WIDTH }, (_, i) => Math.sin(seed * 7 + i));

describe('slow models run off the event loop', () => {
  let scorer: Scorer;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ scorer, close } = await scorerOver(
      {
        heavy: { onnx: heavy, config: { dynamic_batching: { max_queue_delay_microseconds: 0 } } },
        light: { onnx: identityModel('FP32', [null, 3]) },
        warmed: {
          onnx: heavy,
          config: {
            model_warmup: [
              {
                name: 'two rows',
                batch_size: 2,
                inputs: { x: { data_type: 'TYPE_FP32', dims: [WIDTH], random_data: true } },
              },
            ],
          },
        },
        'bad-warmup': {
          onnx: identityModel('FP32', [null, 3]),
          config: { model_warmup: [{ name: 'wrong', inputs: { x: { data_type: 'TYPE_FP32', dims: [4] } } }] },
        },
      },
      {
        INFERENCE_THREADS: '2',
        INFERENCE_INLINE_MAX_MS: '0.05',
        MODEL_QUEUE_MAX_ROWS: '16',
        CACHE_MODE: 'off',
      },
    ));
  });
  afterAll(() => close());

  it('moves the models whose warm-up runs cost more than the threshold to the pool, before the scorer is ready', () => {
    expect(scorer.placement(scorer.repository.ready('heavy'))).toBe('pool');
    expect(scorer.placement(scorer.repository.ready('warmed'))).toBe('pool');
  });

  it('makes a version whose configured warm-up fails unavailable, with the reason', () => {
    const v = scorer.repository.find('bad-warmup');
    expect(v.state).toBe('UNAVAILABLE');
    expect(v.reason).toMatch(/model_warmup "wrong" failed/);
  });

  it('answers from the pool what the model computes, whichever thread runs it', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => scorer.infer({ object: { data: [row(i)] }, model: 'heavy' })),
    );
    const light = await scorer.infer({ object: { data: [[1, 2, 3]] }, model: 'light' });
    expect(predictions(light)).toEqual([{ y: [1, 2, 3] }]);
    expect(results.every((r) => r.outputs[0].shape[1] === WIDTH)).toBe(true);
    // The same row gives the same answer whichever thread ran it.
    const again = await scorer.infer({ object: { data: [row(3)] }, model: 'heavy' });
    expect(Array.from(again.outputs[0].data as Float32Array)).toEqual(
      Array.from(results[3].outputs[0].data as Float32Array),
    );
  });

  it('sheds a flood with OVERLOADED (503, retry later), answers the rest, and keeps the queue bounded', async () => {
    const settled = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) =>
        scorer.infer({ object: { data: [row(100 + i)] }, model: 'heavy' }),
      ),
    );
    const shed = settled.filter((s) => s.status === 'rejected');
    expect(shed.length).toBeGreaterThan(0);
    for (const s of shed)
      expect((s as PromiseRejectedResult).reason).toMatchObject({ code: 'OVERLOADED', status: 503 });
    expect(settled.length - shed.length).toBeGreaterThanOrEqual(16);
    const text = await registry.metrics();
    expect(text).toMatch(/modelfn_queue_shed_total\{model="heavy"\} [1-9]/);
    expect(text).toMatch(/modelfn_inference_pooled\{model="heavy",version="1"\} 1/);
  });

  it('loses no answer while the pool recycles its threads', async () => {
    const runs = Array.from({ length: 12 }, (_, i) =>
      scorer.infer({ object: { data: [row(500 + i)] }, model: 'heavy' }),
    );
    await scorer.inferencePool!.recycle();
    const results = await Promise.all(runs);
    expect(results).toHaveLength(12);
  });
});

describe('fast models stay on the event loop', () => {
  it('keeps a model whose warm-up runs cost less than the threshold in this thread', async () => {
    const { scorer, close } = await scorerOver(
      { light: { onnx: identityModel('FP32', [null, 3]) } },
      { INFERENCE_THREADS: '1', INFERENCE_INLINE_MAX_MS: '1000', CACHE_MODE: 'off' },
    );
    try {
      expect(scorer.placement(scorer.repository.ready('light'))).toBe('inline');
      await scorer.infer({ object: { data: [[1, 2, 3]] }, model: 'light' });
      expect(scorer.placement(scorer.repository.ready('light'))).toBe('inline');
    } finally {
      await close();
    }
  });
});
