import sharp from 'sharp';
import { loadMnist, type MnistSet } from '@modelfn/train-mnist';

let set: MnistSet | undefined;
function mnist(): MnistSet {
  set ??= loadMnist('test');
  return set;
}

export function label(i: number): number {
  return mnist().labels[i];
}

export function pixels(i: number): Uint8Array {
  return mnist().images.subarray(i * 784, (i + 1) * 784);
}

/** The model input for test image i: pixel/255, as the model's preprocessing would make it. */
export function row(i: number): number[] {
  return Array.from(pixels(i), (p) => p / 255);
}

function raw(i: number) {
  return sharp(Buffer.from(pixels(i)), { raw: { width: 28, height: 28, channels: 1 } });
}

export function png(i: number): Promise<Buffer> {
  return raw(i).png().toBuffer();
}

export function jpeg(i: number): Promise<Buffer> {
  return raw(i).jpeg({ quality: 95 }).toBuffer();
}

/** Little-endian float32 rows, the application/octet-stream body. */
export function float32Body(indices: number[]): Buffer {
  const out = Buffer.alloc(indices.length * 784 * 4);
  indices.forEach((img, r) => row(img).forEach((v, i) => out.writeFloatLE(v, (r * 784 + i) * 4)));
  return out;
}
