import { describe, expect, it } from 'vitest';
import {
  bodyText,
  checkSpec,
  digitTails,
  MAX_ROWS_PER_REQUEST,
  rowTag,
  warmupBodies,
  type BodySpec,
} from '../src/bodies.js';
import { wrkScript } from '../src/load/wrk-script.js';

const images = new Uint8Array(784 * 3).map((_, i) => (i * 7) % 256);
const tails = digitTails(images, 3);
const spec = (over: Partial<BodySpec> = {}): BodySpec => ({
  format: 'aml',
  rowsPerRequest: 1,
  mode: 'miss',
  distinct: 5,
  salt: 3,
  tails,
  ...over,
});

/** The rows a body carries, as float32 bit patterns per row: what the scorer's cache keys are made of. */
function float32Rows(text: string): string[] {
  const parsed = JSON.parse(text) as { data?: number[][]; inputs?: { shape: number[]; data: number[] }[] };
  const rows = parsed.data ?? chunk(parsed.inputs![0].data, 784);
  return rows.map((r) => {
    expect(r).toHaveLength(784);
    return Array.from(new Uint32Array(Float32Array.from(r).buffer)).join(',');
  });
}

function chunk(xs: number[], n: number): number[][] {
  return Array.from({ length: xs.length / n }, (_, i) => xs.slice(i * n, (i + 1) * n));
}

describe('request bodies', () => {
  it('are MNIST rows of 784 values with 4 decimals, about 2 KB for one digit', () => {
    expect(tails[0].split(',')).toHaveLength(782);
    const text = bodyText(spec(), 0, 0);
    expect(float32Rows(text)).toHaveLength(1);
    expect(text.length).toBeGreaterThan(1000);
  });

  it('never repeat a row in miss mode, across requests, streams, rows and salts (one salt per run), even as float32', () => {
    const seen = new Set<string>();
    let total = 0;
    for (const [salt, rows] of [
      [0, 1],
      [1, 8],
      [99, 64],
    ])
      for (const stream of [0, 15])
        for (const i of [0, 1, 2, 999_999])
          for (const r of float32Rows(bodyText(spec({ salt, rowsPerRequest: rows }), stream, i))) {
            seen.add(r);
            total++;
          }
    expect(seen.size).toBe(total);
  });

  it('cycle over `distinct` bodies in hit mode, the same for every stream, all sent once to warm up', () => {
    const s = spec({ mode: 'hit' });
    expect(bodyText(s, 0, 7)).toBe(bodyText(s, 3, 2));
    expect(new Set(Array.from({ length: 20 }, (_, i) => bodyText(s, i % 4, i))).size).toBe(5);
    expect(warmupBodies(s)).toHaveLength(5);
    expect(warmupBodies(spec())).toEqual([]);
  });

  it('come as v2 tensors too, flat with the shape', () => {
    const parsed = JSON.parse(bodyText(spec({ format: 'v2', rowsPerRequest: 2 }), 0, 0)) as {
      inputs: { name: string; shape: number[]; datatype: string; data: number[] }[];
    };
    expect(parsed.inputs[0]).toMatchObject({ name: 'input', shape: [2, 784], datatype: 'FP32' });
    expect(parsed.inputs[0].data).toHaveLength(2 * 784);
  });

  it('tags rows uniquely and checks the spec', () => {
    const tags = new Set<number>();
    for (let salt = 0; salt < 100; salt++)
      for (let s = 0; s < 16; s++)
        for (let r = 0; r < MAX_ROWS_PER_REQUEST; r++) tags.add(rowTag(salt, s, r));
    expect(tags.size).toBe(100 * 16 * MAX_ROWS_PER_REQUEST);
    expect(() => checkSpec(spec({ rowsPerRequest: 65 }))).toThrow(RangeError);
    expect(() => checkSpec(spec({ salt: 100 }))).toThrow(RangeError);
  });

  it('go into the wrk script as the same texts', () => {
    const lua = wrkScript(spec(), '/score', { 'x-model': 'mnist' });
    expect(lua).toContain(tails[0]);
    expect(lua).toContain('local salt = 3');
    expect(lua).toContain('[ [==[x-model]==] ] = [==[mnist]==]');
    expect(lua).toContain('e-9,');
  });
});
