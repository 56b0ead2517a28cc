import { describe, expect, it } from 'vitest';
import { imageAnswerOf } from '../src/adapter/image-accept.js';

describe('imageAnswerOf', () => {
  const loose = { required: false };

  it('requires an image for image/png, image/webp and image/* (the model format), the best by q', () => {
    expect(imageAnswerOf('image/png')).toEqual({ required: true, format: 'png' });
    expect(imageAnswerOf('image/webp')).toEqual({ required: true, format: 'webp' });
    expect(imageAnswerOf('image/*')).toEqual({ required: true });
    expect(imageAnswerOf('image/png;q=0.5, image/webp')).toEqual({ required: true, format: 'webp' });
    expect(imageAnswerOf('IMAGE/PNG', loose)).toEqual({ required: true, format: 'png' });
  });

  it('leaves JSON when JSON is accepted too, or nothing image-like is', () => {
    expect(imageAnswerOf('application/json, image/png')).toBeUndefined();
    expect(imageAnswerOf('application/json', loose)).toBeUndefined();
    expect(imageAnswerOf('application/octet-stream', loose)).toBeUndefined();
    expect(imageAnswerOf('image/png;q=0', loose)).toBeUndefined();
  });

  it('answers the default without a choice: none, empty or */*', () => {
    expect(imageAnswerOf(undefined)).toBeUndefined();
    expect(imageAnswerOf(undefined, loose)).toBe(loose);
    expect(imageAnswerOf('', loose)).toBe(loose);
    expect(imageAnswerOf('*/*', loose)).toBe(loose);
  });

  it('refuses a value that is no media type list', () => {
    expect(() => imageAnswerOf(42)).toThrow(/"accept" must be a media type/);
  });
});
