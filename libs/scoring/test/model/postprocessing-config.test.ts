import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskModel } from '@modelfn/model-builder';
import { ScoringError } from '../../src/errors.js';
import type { Scorer } from '../../src/index.js';
import { checkPostprocessing } from '../../src/model/postprocessing-config.js';
import { scorerOver } from '../scorer/repo.js';

const KINDS =
  '"image" (an image-shaped output answered as a PNG or WebP image) or "detection" (a detector\'s outputs answered as boxes after NMS)';

function refusal(postprocessing: unknown): string {
  try {
    checkPostprocessing({ name: 'm', postprocessing } as Parameters<typeof checkPostprocessing>[0]);
  } catch (e) {
    expect(e).toBeInstanceOf(ScoringError);
    expect((e as ScoringError).code).toBe('INVALID_MODEL');
    return (e as ScoringError).message;
  }
  throw new Error(`accepted ${JSON.stringify(postprocessing)}`);
}

describe('checkPostprocessing', () => {
  it('refuses a postprocessing that is not an object, saying what it may hold', () => {
    expect(refusal('x')).toBe(
      `model "m": config.json "postprocessing" must be an object such as {"image": {}} holding ${KINDS}; got "x"`,
    );
    expect(refusal(null)).toMatch(/must be an object .*; got null$/);
    expect(refusal([{ image: {} }])).toMatch(/must be an object .*; got \[\{"image":\{\}\}\]$/);
    expect(refusal(3)).toMatch(/; got 3$/);
  });

  it('refuses an unknown kind, naming it and the kinds there are', () => {
    expect(refusal({ imgae: {} })).toBe(
      `model "m": config.json postprocessing has unknown key "imgae"; it may hold ${KINDS}`,
    );
    expect(refusal({ image: {}, mask: {}, boxes: 1 })).toContain('unknown key "mask", "boxes";');
  });

  it('takes the kinds, a note, an empty object and no postprocessing at all', () => {
    const ok = (postprocessing: unknown) =>
      checkPostprocessing({ name: 'm', postprocessing } as Parameters<typeof checkPostprocessing>[0]);
    expect(() => ok(undefined)).not.toThrow();
    expect(() => ok({})).not.toThrow();
    expect(() => ok({ image: {}, note: 'the mask' })).not.toThrow();
    expect(() => ok({ detection: { layout: 'yolov8' } })).not.toThrow();
  });
});

describe('postprocessing at load', () => {
  let scorer: Scorer;
  let close: () => Promise<void>;
  const pre = { image: { width: 8, height: 8 } };
  beforeAll(async () => {
    ({ scorer, close } = await scorerOver({
      text: { onnx: maskModel(8), config: { preprocessing: pre, postprocessing: 'x' } },
      list: { onnx: maskModel(8), config: { preprocessing: pre, postprocessing: [] } },
      misspelt: { onnx: maskModel(8), config: { preprocessing: pre, postprocessing: { imgae: {} } } },
      good: { onnx: maskModel(8), config: { preprocessing: pre, postprocessing: { image: {}, note: 'ok' } } },
    }));
  });
  afterAll(() => close());

  it('makes the version UNAVAILABLE with the reason instead of ignoring it', () => {
    const reasons = ['text', 'list', 'misspelt'].map((m) => {
      const v = scorer.repository.find(m);
      expect([m, v.state]).toEqual([m, 'UNAVAILABLE']);
      return v.reason;
    });
    expect(reasons[0]).toContain('model "text": config.json "postprocessing" must be an object');
    expect(reasons[0]).toContain('got "x"');
    expect(reasons[1]).toContain('got []');
    expect(reasons[2]).toContain('postprocessing has unknown key "imgae"');
    const good = scorer.repository.find('good');
    expect(good.state).toBe('READY');
    expect(good.imageOutput?.post.output).toBe('mask');
  });
});
