import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskModel } from '@modelfn/model-builder';
import { ScoringError } from '../../src/errors.js';
import type { Scorer } from '../../src/index.js';
import {
  imageDims,
  parseImagePostprocessing,
  type ImagePostprocessing,
} from '../../src/model/image-postprocessing.js';
import { parseImagePreprocessing } from '../../src/model/image-preprocessing.js';
import type { IoSpec } from '../../src/model/io-spec.js';
import { scorerOver } from '../scorer/repo.js';

const WHERE = 'model "m": config.json postprocessing.image';
const OUTPUTS: IoSpec[] = [
  { name: 'mask', datatype: 'FP32', dims: [1, 8, 8], size: 64 },
  { name: 'edges', datatype: 'FP32', dims: [1, 8, 8], size: 64 },
];
const PRE = parseImagePreprocessing({ width: 8, height: 8 }, 'pre');

function parse(raw: unknown, pre = PRE): ImagePostprocessing {
  return parseImagePostprocessing(raw, WHERE, OUTPUTS, pre);
}

function refusal(raw: unknown, pre: typeof PRE | null = PRE): string {
  try {
    parseImagePostprocessing(raw, WHERE, OUTPUTS, pre ?? undefined);
  } catch (e) {
    expect(e).toBeInstanceOf(ScoringError);
    expect((e as ScoringError).code).toBe('INVALID_MODEL');
    return (e as ScoringError).message.slice(WHERE.length + 2);
  }
  throw new Error(`accepted ${JSON.stringify(raw)}`);
}

describe('parseImagePostprocessing', () => {
  it('fills in the defaults: the first output as a PNG mask at the sent size, 0..1 to 0..255', () => {
    expect(parse({})).toEqual({
      output: 'mask',
      mode: 'mask',
      layout: 'NCHW',
      channel: 0,
      color: 'rgb',
      normalize: 'none',
      scale: 255,
      offset: 0,
      resize: 'input',
      format: 'png',
    });
  });

  it("takes the preprocessing's NHWC layout and BGR colour as the output's unless told", () => {
    const bgr = parseImagePreprocessing({ width: 8, height: 8, layout: 'NHWC', color: 'bgr' }, 'pre');
    expect(parse({ mode: 'rgb' }, bgr)).toMatchObject({ layout: 'NHWC', color: 'bgr' });
    expect(parse({ mode: 'rgb', layout: 'NCHW', color: 'rgb' }, bgr)).toMatchObject({
      layout: 'NCHW',
      color: 'rgb',
    });
  });

  it('keeps every key it is given', () => {
    const all = {
      output: 'edges',
      mode: 'alpha',
      layout: 'NHWC',
      channel: 0,
      color: 'rgb',
      normalize: 'minmax',
      scale: 200,
      offset: 10,
      threshold: 0.4,
      resize: 'model',
      format: 'webp',
      quality: 80,
    };
    expect(parse(all)).toEqual(all);
  });

  it('refuses what cannot be right, saying what would be', () => {
    expect(refusal({ output: 'nope' })).toContain('one of the model\'s outputs ("mask", "edges")');
    expect(refusal({ treshold: 0.5 })).toContain('unknown key "treshold"; the keys are output, mode');
    expect(refusal({ mode: 'cutout' })).toContain('mode must be one of "mask", "alpha", "rgb"');
    expect(refusal({ mode: 'alpha' }, null)).toContain('needs preprocessing.image');
    expect(refusal({ scale: 0 })).toContain('scale must not be 0');
    expect(refusal({ threshold: 0.5, mode: 'rgb' })).toContain('not to "rgb"');
    expect(refusal({ quality: 0 })).toContain('quality must be an integer 1..100');
    expect(refusal({ channel: -1 })).toContain('channel must be an integer >= 0');
    expect(refusal([])).toContain('must be an object');
  });
});

describe('imageDims', () => {
  it('reads an image out of the usual output shapes, batched or not', () => {
    expect(imageDims([1, 1, 32, 24], false, 'NCHW')).toEqual({ channels: 1, height: 32, width: 24 });
    expect(imageDims([1, 32, 24], false, 'NCHW')).toEqual({ channels: 1, height: 32, width: 24 });
    expect(imageDims([1, 32, 24], false, 'NHWC')).toEqual({ channels: 1, height: 32, width: 24 });
    expect(imageDims([1, 3, 32, 24], false, 'NCHW')).toEqual({ channels: 3, height: 32, width: 24 });
    expect(imageDims([1, 32, 24, 3], false, 'NHWC')).toEqual({ channels: 3, height: 32, width: 24 });
    expect(imageDims([2, 1, 32, 24], true, 'NCHW')).toEqual({ channels: 1, height: 32, width: 24 });
    expect(imageDims([-1, 1, -1, -1], false, 'NCHW')).toEqual({ channels: 1, height: -1, width: -1 });
    expect(imageDims([32, 24], false, 'NCHW')).toEqual({ channels: 1, height: 32, width: 24 });
    expect(imageDims([10], false, 'NCHW')).toBeUndefined();
    expect(imageDims([2, 3, 4, 5, 6], false, 'NCHW')).toBeUndefined();
  });
});

describe('postprocessing.image at load', () => {
  let scorer: Scorer;
  let close: () => Promise<void>;
  const pre = { image: { width: 8, height: 8 } };
  beforeAll(async () => {
    ({ scorer, close } = await scorerOver({
      good: {
        onnx: maskModel(8),
        config: { preprocessing: pre, postprocessing: { image: { output: 'image', mode: 'rgb' } } },
      },
      hidden: {
        onnx: maskModel(8),
        config: { outputs: ['half'], preprocessing: pre, postprocessing: { image: { output: 'mask' } } },
      },
      channel: {
        onnx: maskModel(8),
        config: { preprocessing: pre, postprocessing: { image: { channel: 2 } } },
      },
      nhwc: {
        onnx: maskModel(8),
        config: {
          preprocessing: pre,
          postprocessing: { image: { output: 'image', mode: 'rgb', layout: 'NHWC' } },
        },
      },
    }));
  });
  afterAll(() => close());

  it("resolves the output among the model's served outputs", () => {
    const v = scorer.repository.find('good');
    expect(v.state).toBe('READY');
    expect(v.imageOutput).toMatchObject({ output: 2, post: { output: 'image', mode: 'rgb' } });
  });

  it('makes a version UNAVAILABLE, with the reason, for an output it cannot show', () => {
    const reasons = ['hidden', 'channel', 'nhwc'].map((m) => {
      const v = scorer.repository.find(m);
      expect([m, v.state]).toEqual([m, 'UNAVAILABLE']);
      return v.reason;
    });
    expect(reasons[0]).toContain('output must name one of the model\'s outputs ("half")');
    expect(reasons[1]).toContain("channel 2 is not one of the output's 1 channel(s)");
    expect(reasons[2]).toContain(
      'mode "rgb" needs 3 channels (or 1, answered gray); the output has 8 (is "layout" NHWC right?)',
    );
  });
});
