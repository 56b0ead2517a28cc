import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { segmentationModel } from '@modelfn/model-builder';
import { metrics, ScoringError, type ModelAnswer, type Scorer } from '../../src/index.js';
import { valuesOf } from '../support/fakes.js';
import { scorerOver } from './repo.js';
import { failureOf } from '../support/codes.js';

// A segmentation-shaped model (mask [N,1,S,S], coarse [N,1,S/2,S/2], features [N,F,S/2,S/2]) built in code:
// a request may select its outputs, and only those are fetched, cached and answered.
const SIDE = 4;

/** One image row [3, S, S]: channel c of pixel i is c + i / 100. */
function image(side = SIDE): number[][][] {
  return [0, 1, 2].map((c) =>
    Array.from({ length: side }, (_, y) => Array.from({ length: side }, (_, x) => c + (y * side + x) / 100)),
  );
}

const body = (side = SIDE) => Buffer.from(JSON.stringify({ data: [image(side)] }));
const json = { contentType: 'application/json' };
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

describe('output selection', () => {
  let scorer: Scorer;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ scorer, close } = await scorerOver({
      seg: { onnx: segmentationModel({ side: SIDE, features: 8 }) },
      exposed: {
        onnx: segmentationModel({ side: SIDE, features: 8 }),
        config: { outputs: ['coarse', 'mask'] },
      },
      wrongConfig: { onnx: segmentationModel({ side: SIDE, features: 8 }), config: { outputs: ['nope'] } },
    }));
  });
  afterAll(() => close());

  it('answers only the selected outputs, with the values onnxruntime computes for them', async () => {
    const a = (await scorer.infer({ model: 'seg', body: body(), ...json, outputs: ['mask'] })) as ModelAnswer;
    expect(a.outputs.map((t) => t.name)).toEqual(['mask']);
    expect(a.selected).toEqual([0]);
    expect(a.outputs[0].shape).toEqual([1, 1, SIDE, SIDE]);
    // mask = sigmoid(mean over the channels) = sigmoid(1 + i / 100)
    valuesOf(a.outputs[0]).forEach((v, i) => expect(v).toBeCloseTo(sigmoid(1 + i / 100), 5));
    const all = (await scorer.infer({ model: 'seg', body: body(), ...json })) as ModelAnswer;
    expect(all.outputs.map((t) => t.name)).toEqual(['mask', 'coarse', 'features']);
    expect(all.selected).toBeUndefined();
  });

  it('keeps config order whatever the order asked, and caches every output asked as no selection', async () => {
    const a = (await scorer.infer({
      model: 'seg',
      body: body(),
      ...json,
      outputs: ['features', 'mask'],
    })) as ModelAnswer;
    expect(a.outputs.map((t) => t.name)).toEqual(['mask', 'features']);
    // features channel k = (k + 1) × the pooled red channel (0 + mean of a 2×2 block / 100)
    const f = a.outputs[1];
    expect(f.shape).toEqual([1, 8, SIDE / 2, SIDE / 2]);
    expect(valuesOf(f)[(SIDE / 2) ** 2]).toBeCloseTo(2 * ((0 + 1 + 4 + 5) / 4 / 100), 5);
    const every = (await scorer.infer({
      model: 'seg',
      body: body(),
      ...json,
      outputs: ['coarse', 'features', 'mask'],
    })) as ModelAnswer;
    expect(every.selected).toEqual([0, 1, 2]);
    expect(every.cache).toBe('hit');
  });

  it('refuses an unknown output name with INVALID_INPUT naming the model outputs', async () => {
    const e = await failureOf(
      scorer.infer({ model: 'seg', body: body(), ...json, outputs: ['mask', 'alpha'] }),
    );
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.status).toBe(400);
    expect(e.message).toContain('"alpha"');
    expect(e.message).toContain('"mask", "coarse", "features"');
  });

  it('caches a selection under its own keys: a hit for the same selection, never the other outputs', async () => {
    const img = Buffer.from(
      JSON.stringify({ data: [image().map((c) => c.map((r) => r.map((v) => v + 7)))] }),
    );
    const first = (await scorer.infer({
      model: 'seg',
      body: img,
      ...json,
      outputs: ['coarse'],
    })) as ModelAnswer;
    expect(first.cache).toBe('miss');
    const again = (await scorer.infer({
      model: 'seg',
      body: img,
      ...json,
      outputs: ['coarse'],
    })) as ModelAnswer;
    expect(again.cache).toBe('hit');
    expect(again.outputs.map((t) => t.name)).toEqual(['coarse']);
    expect(valuesOf(again.outputs[0])).toEqual(valuesOf(first.outputs[0]));
    // Every output is another entry: the selection's cached value holds the coarse map only.
    const mask = (await scorer.infer({ model: 'seg', body: img, ...json, outputs: ['mask'] })) as ModelAnswer;
    expect(mask.cache).toBe('miss');
  });

  it('serves only the outputs config.json exposes, in every answer and selection', async () => {
    const v = scorer.repository.find('exposed');
    expect(v.outputs.map((o) => o.name)).toEqual(['mask', 'coarse']);
    const a = (await scorer.infer({ model: 'exposed', body: body(), ...json })) as ModelAnswer;
    expect(a.outputs.map((t) => t.name)).toEqual(['mask', 'coarse']);
    const e = await failureOf(
      scorer.infer({ model: 'exposed', body: body(), ...json, outputs: ['features'] }),
    );
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.message).toContain('"mask", "coarse"');
  });

  it('refuses a config.json "outputs" naming an output the model does not have', () => {
    const v = scorer.repository.find('wrongConfig');
    expect(v.state).toBe('UNAVAILABLE');
    expect(v.reason).toContain('"nope"');
  });

  it('selects from a v2 body its own "outputs": only those are fetched', async () => {
    const v2 = Buffer.from(
      JSON.stringify({
        inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3, SIDE, SIDE], data: image().flat(2) }],
        outputs: [{ name: 'coarse' }],
      }),
    );
    const a = (await scorer.infer({ model: 'seg', v2 })) as ModelAnswer;
    expect(a.outputs.map((t) => t.name)).toEqual(['coarse']);
    expect(a.v2?.outputs).toEqual([{ name: 'coarse' }]);
  });

  it('answers each message of a batch with its own selection', async () => {
    const out = await scorer.inferMany([
      { model: 'seg', body: body(), ...json, outputs: ['mask'] },
      { model: 'seg', body: body(), ...json, outputs: ['coarse'] },
      { model: 'seg', body: body(), ...json, outputs: ['nope'] },
    ]);
    expect((out[0] as ModelAnswer).outputs.map((t) => t.name)).toEqual(['mask']);
    expect((out[1] as ModelAnswer).outputs.map((t) => t.name)).toEqual(['coarse']);
    expect((out[2] as { error: ScoringError }).error.code).toBe('INVALID_INPUT');
  });
});

describe('bounded responses (MAX_RESPONSE_BYTES)', () => {
  let scorer: Scorer;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ scorer, close } = await scorerOver(
      {
        // 32×32: features hold 64 × 16 × 16 × 4 = 65,536 bytes, the mask 4,096: over and at the limit.
        big: { onnx: segmentationModel({ side: 32 }) },
        bigDynamic: { onnx: segmentationModel({ side: 32, dynamicSize: true }) },
      },
      { MAX_RESPONSE_BYTES: '4096', CACHE_MAX_VALUE_BYTES: '1024' },
    ));
  });
  afterAll(() => close());

  for (const model of ['big', 'bigDynamic']) {
    it(`${model}: refuses every output with RESPONSE_TOO_LARGE naming each and its size, and answers the mask alone`, async () => {
      const e = await failureOf(scorer.infer({ model, body: body(32), ...json }));
      expect(e.code).toBe('RESPONSE_TOO_LARGE');
      expect(e.status).toBe(413);
      expect(e.permanent).toBe(true);
      expect(e.message).toContain('"features" FP32[1,64,16,16] 65536 bytes');
      expect(e.message).toContain('"mask" FP32[1,1,32,32] 4096 bytes');
      expect(e.message).toContain('MAX_RESPONSE_BYTES 4096');
      expect(e.message).toContain('?outputs=');
      // The features map (16× the limit) is never fetched: the mask alone fits.
      const a = (await scorer.infer({ model, body: body(32), ...json, outputs: ['mask'] })) as ModelAnswer;
      expect(a.outputs.map((t) => t.name)).toEqual(['mask']);
      expect((a.outputs[0].data as Float32Array).byteLength).toBe(4096);
    });
  }

  it('does not cache rows over CACHE_MAX_VALUE_BYTES, and counts them', async () => {
    const label = { model: 'big' };
    const before =
      (await metrics.cacheTooLarge.get()).values.find((v) => v.labels.model === 'big')?.value ?? 0;
    const img = Buffer.from(JSON.stringify({ data: [image(32).map((c) => c.map((r) => r.map((v) => -v)))] }));
    const first = (await scorer.infer({
      model: 'big',
      body: img,
      ...json,
      outputs: ['mask'],
    })) as ModelAnswer;
    expect(first.cache).toBe('miss');
    await new Promise((r) => setImmediate(r));
    const again = (await scorer.infer({
      model: 'big',
      body: img,
      ...json,
      outputs: ['mask'],
    })) as ModelAnswer;
    expect(again.cache).toBe('miss');
    // The coarse map (256 floats, 1,024 bytes) is within the bound: cached.
    await scorer.infer({ model: 'big', body: img, ...json, outputs: ['coarse'] });
    await new Promise((r) => setImmediate(r));
    const coarse = (await scorer.infer({
      model: 'big',
      body: img,
      ...json,
      outputs: ['coarse'],
    })) as ModelAnswer;
    expect(coarse.cache).toBe('hit');
    const after = (await metrics.cacheTooLarge.get()).values.find(
      (v) => v.labels.model === label.model,
    )?.value;
    expect(after).toBe(before + 2);
  });
});
