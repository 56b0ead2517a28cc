import { loadMnist } from '@modelfn/train-mnist';
import sharp from 'sharp';

export const mnist = loadMnist('test');

export function pixels(i: number): Uint8Array {
  return mnist.images.subarray(i * 784, (i + 1) * 784);
}

export function png(i: number): Promise<Buffer> {
  return sharp(Buffer.from(pixels(i)), { raw: { width: 28, height: 28, channels: 1 } })
    .png()
    .toBuffer();
}

/** The JSON row that the PNG decodes to (pixel / 255), so both share one cache entry. */
export function row(i: number): number[] {
  return Array.from(pixels(i), (p) => p / 255);
}
