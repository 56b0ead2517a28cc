import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { loadMnist } from '@modelfn/train-mnist';

// The curl examples printed by `npm start` use these files: MNIST test image 0 (a 7), as PNG and as JSON rows.
describe('apps/local/samples', () => {
  const mnist = loadMnist('test');
  const pixels = mnist.images.subarray(0, 784);

  it('digit-7.png is MNIST test image 0', async () => {
    expect(mnist.labels[0]).toBe(7);
    const png = await readFile(new URL('../samples/digit-7.png', import.meta.url));
    expect(await sharp(png).metadata()).toMatchObject({ width: 28, height: 28, channels: 1 });
    const { data } = await sharp(png).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    expect([...data]).toEqual([...pixels]);
  });

  it('digit-7.json holds the same pixels scaled to 0..1', async () => {
    const json = JSON.parse(await readFile(new URL('../samples/digit-7.json', import.meta.url), 'utf8')) as {
      data: number[][];
    };
    expect(json.data).toHaveLength(1);
    json.data[0].forEach((v, i) => expect(v).toBeCloseTo(pixels[i] / 255, 3));
  });
});
