import { describe, expect, it } from 'vitest';
import { ScoringError } from '../../src/errors.js';
import {
  imageChannels,
  imageRowShape,
  parseImagePreprocessing,
  type ImagePreprocessing,
} from '../../src/model/image-preprocessing.js';

const WHERE = 'model "m": config.json preprocessing.image';

function parse(raw: unknown): ImagePreprocessing {
  return parseImagePreprocessing(raw, WHERE);
}

/** The message a config is refused with (and that it is refused as INVALID_MODEL, naming where). */
function refusal(raw: unknown): string {
  try {
    parse(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(ScoringError);
    expect((e as ScoringError).code).toBe('INVALID_MODEL');
    expect((e as ScoringError).message.startsWith(`${WHERE}: `)).toBe(true);
    return (e as ScoringError).message.slice(WHERE.length + 2);
  }
  throw new Error(`accepted ${JSON.stringify(raw)}`);
}

describe('parseImagePreprocessing', () => {
  it('fills in the defaults: RGB, NCHW, stretched, pixels/255', () => {
    expect(parse({ width: 224, height: 112 })).toEqual({
      width: 224,
      height: 112,
      color: 'rgb',
      layout: 'NCHW',
      resize: 'stretch',
      scale: 1 / 255,
      mean: [0],
      std: [1],
      invert: false,
      background: 0,
    });
  });

  it('pads and flattens inverted models with white, which inverts to black', () => {
    expect(parse({ width: 2, height: 2, invert: true }).background).toBe(255);
    expect(parse({ width: 2, height: 2, invert: true, background: 0 }).background).toBe(0);
  });

  it('reads the MNIST config written before colour support as a flat gray row', () => {
    const mnist = {
      width: 28,
      height: 28,
      channels: 1,
      scale: 0.00392156862745098,
      invert: false,
      note: 'grayscale, resized to 28x28',
    };
    const p = parse(mnist);
    expect(p).toEqual({
      width: 28,
      height: 28,
      color: 'gray',
      layout: 'flat',
      resize: 'stretch',
      scale: 0.00392156862745098,
      mean: [0],
      std: [1],
      invert: false,
      background: 0,
    });
    expect(imageRowShape(p)).toEqual([784]);
    expect(parse({ width: 4, height: 4, channels: 3 })).toMatchObject({ color: 'rgb', layout: 'flat' });
    expect(parse({ width: 4, height: 4, channels: 1, layout: 'NCHW' }).layout).toBe('NCHW');
    expect(parse({ width: 4, height: 4, channels: 3, color: 'bgr' }).color).toBe('bgr');
  });

  it('takes every option as written', () => {
    const p = parse({
      width: 3,
      height: 2,
      color: 'bgr',
      layout: 'NHWC',
      resize: 'crop',
      scale: 1,
      mean: [103.939, 116.779, 123.68],
      std: 58,
      invert: false,
      background: 128,
    });
    expect(p).toEqual({
      width: 3,
      height: 2,
      color: 'bgr',
      layout: 'NHWC',
      resize: 'crop',
      scale: 1,
      mean: [103.939, 116.779, 123.68],
      std: [58],
      invert: false,
      background: 128,
    });
  });

  it('gives channels and the row shape of each layout', () => {
    const rgb = parse({ width: 4, height: 2 });
    expect(imageChannels(rgb)).toBe(3);
    expect(imageChannels({ ...rgb, color: 'gray' })).toBe(1);
    expect(imageRowShape(rgb)).toEqual([3, 2, 4]);
    expect(imageRowShape({ ...rgb, layout: 'NHWC' })).toEqual([2, 4, 3]);
    expect(imageRowShape({ ...rgb, layout: 'flat' })).toEqual([24]);
    expect(imageRowShape({ ...rgb, color: 'gray' })).toEqual([1, 2, 4]);
    expect(imageRowShape({ ...rgb, color: 'gray', layout: 'NHWC' })).toEqual([2, 4, 1]);
  });

  it('refuses what it cannot use, saying what to write instead', () => {
    expect(refusal(null)).toMatch(/must be an object/);
    expect(refusal([28, 28])).toMatch(/must be an object/);
    expect(refusal({ height: 28 })).toMatch(/width must be a positive integer.*got undefined/);
    expect(refusal({ width: 28, height: 0 })).toMatch(/height must be a positive integer.*got 0/);
    expect(refusal({ width: 2.5, height: 2 })).toMatch(/width must be a positive integer.*got 2.5/);
    expect(refusal({ width: '28', height: 28 })).toMatch(/width .*got "28"/);
    expect(refusal({ width: 2, height: 2, color: 'RGB' })).toMatch(
      /color must be one of "gray", "rgb", "bgr"; got "RGB"/,
    );
    expect(refusal({ width: 2, height: 2, layout: 'CHW' })).toMatch(
      /layout must be one of "NCHW", "NHWC", "flat"/,
    );
    expect(refusal({ width: 2, height: 2, resize: 'cover' })).toMatch(
      /resize must be one of "stretch", "fit", "crop"/,
    );
    expect(refusal({ width: 2, height: 2, channels: 4 })).toMatch(/channels must be 1 \(gray\) or 3 \(rgb\)/);
    expect(refusal({ width: 2, height: 2, channels: 1, color: 'rgb' })).toMatch(
      /channels 1 contradicts color "rgb"/,
    );
    expect(refusal({ width: 2, height: 2, scale: 0 })).toMatch(/scale must not be 0/);
    expect(refusal({ width: 2, height: 2, scale: '1/255' })).toMatch(/scale must be a finite number/);
    expect(refusal({ width: 2, height: 2, mean: [0.5, 0.5] })).toMatch(
      /mean must be a number or a list of 1 or 3 numbers \(one per rgb channel\); got \[0.5,0.5\]/,
    );
    expect(refusal({ width: 2, height: 2, color: 'gray', std: [1, 1, 1] })).toMatch(
      /list of 1 number \(gray has one channel\)/,
    );
    expect(refusal({ width: 2, height: 2, mean: [0, null, 0] })).toMatch(/mean\[1\] must be a finite number/);
    expect(refusal({ width: 2, height: 2, std: [0.2, 0, 0.2] })).toMatch(/std must not contain 0/);
    expect(refusal({ width: 2, height: 2, std: 'unit' })).toMatch(/std must be a number or a list/);
    expect(refusal({ width: 2, height: 2, invert: 'yes' })).toMatch(/invert must be true or false/);
    expect(refusal({ width: 2, height: 2, background: 256 })).toMatch(
      /background must be an integer gray level 0..255/,
    );
    expect(refusal({ width: 2, height: 2, background: '#fff' })).toMatch(
      /background must be a finite number/,
    );
  });
});
