import { hash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { rowKeys, scoringCache } from '../../src/cache/index.js';
import { MemoryLruCache } from '../../src/cache/backends/memory-lru.js';
import type { ModelVersion } from '../../src/model/model-version.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { readSettings } from '../../src/settings.js';
import { f32Bytes, fakeModel, floatsOf, MapCache, repositoryOf, scorerOf } from '../support/fakes.js';

// Keys are what Redis already holds: a change to any of them turns every stored row into a miss. These
// are the exact strings the cache wrote before it moved into one folder; they must never change by accident.
const PREFIX = 'modelfn:fake:1:abcdef012345:';
const { version } = fakeModel();

describe('cache keys (byte-identical across releases)', () => {
  it('keys a fixed-size row by the model prefix and sha256 of its bytes', () => {
    const keys = rowKeys(
      version,
      [{ name: 'input', datatype: 'FP32', shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) }],
      2,
    );
    expect(keys).toEqual([
      `${PREFIX}b9c80b5adeca450753a16950c3cc655d271f7bef7a485bc83f112b72fef21d37`,
      `${PREFIX}986c627ee6ef1bcc3d746256a7045624ceeb44c4ed557ca055b2d43933de3489`,
    ]);
    expect(keys[0]).toBe(PREFIX + hash('sha256', f32Bytes(1, 2), 'hex'));
  });

  it('frames each input by name, type and shape when rows vary, and keys an unbatched tensor whole', () => {
    const framed = {
      ...version,
      inputs: [
        { name: 'a', datatype: 'FP32', dims: [-1] },
        { name: 'b', datatype: 'INT64', dims: [1] },
      ],
    } as unknown as ModelVersion;
    const a: Tensor = { name: 'a', datatype: 'FP32', shape: [1, 3], data: Float32Array.from([1, 2, 3]) };
    const b: Tensor = { name: 'b', datatype: 'INT64', shape: [1, 1], data: BigInt64Array.from([7n]) };
    expect(rowKeys(framed, [a, b], 1)).toEqual([
      `${PREFIX}9acac2547b4b20266ad9edd685c7a1217058072773cf300c1179dd5a9c092107`,
    ]);
    const whole = { ...version, batched: false } as unknown as ModelVersion;
    const t: Tensor = { name: 'input', datatype: 'FP32', shape: [2], data: Float32Array.from([1, 2]) };
    expect(rowKeys(whole, [t], 1)).toEqual([
      `${PREFIX}c186f8987956b22c3a8d18ae259e890a3fd6a86aa9b40c54a314890f47d89591`,
    ]);
  });

  it('tags the keys of a selection (or of config.json "outputs") with its output names, and only those', () => {
    const row = [
      { name: 'input', datatype: 'FP32', shape: [1, 2], data: Float32Array.from([1, 2]) },
    ] as Tensor[];
    const plain = rowKeys(version, row, 1)[0];
    // `o.` and the first 16 hex digits of sha256 of the names joined by NUL.
    const tag = 'o.762069bc07a6e1b5:';
    expect(tag).toBe(`o.${hash('sha256', 'out', 'hex').slice(0, 16)}:`);
    expect(rowKeys(version, row, 1, ['out'])).toEqual([plain.replace(PREFIX, PREFIX + tag)]);
    const exposing = {
      ...version,
      config: { ...version.config, outputs: ['probabilities'] },
    } as ModelVersion;
    expect(rowKeys(exposing, row, 1)).toEqual([plain.replace(PREFIX, PREFIX + tag)]);
  });

  it('stores scored rows under their row keys, as their output bytes', async () => {
    const rows = new MapCache();
    const s = scorerOf(readSettings({}), repositoryOf({ version }), rows);
    await s.infer({ body: Buffer.from('{"data": [[1, 2]]}'), contentType: 'application/json' });
    await new Promise((r) => setImmediate(r));
    expect([...rows.map.keys()]).toEqual([PREFIX + hash('sha256', f32Bytes(1, 2), 'hex')]);
    expect(floatsOf([...rows.map.values()][0])).toEqual([3, -3]);
  });

  it('keys a whole body in the memo by the prefix, "body:" and sha256 of its bytes', () => {
    const memo = scoringCache(new MemoryLruCache({ maxBytes: 1 << 20, ttlSeconds: 60 })).bodies!;
    expect(memo.key(version, Buffer.from('{"data": [[1, 2]]}'))).toBe(
      `${PREFIX}body:58cd9d5fae59ea373041d1535ad0433c3f2863bc555a1c53c6b53dece70aad61`,
    );
  });

  it('keeps an entry script\'s result as JSON under the prefix, "kv:" and the script\'s key', async () => {
    const rows = new MapCache();
    const { results } = scoringCache(rows);
    await results.set(version, '[1,2]', { y: [2, 3] });
    expect([...rows.map.keys()]).toEqual([`${PREFIX}kv:[1,2]`]);
    expect(Buffer.from(rows.map.get(`${PREFIX}kv:[1,2]`)!).toString('utf8')).toBe('{"y":[2,3]}');
    const seen: string[] = [];
    expect(await results.get(version, '[1,2]', { add: (s) => seen.push(s) })).toEqual({ y: [2, 3] });
    expect(await results.get(version, 'other', { add: (s) => seen.push(s) })).toBeUndefined();
    rows.down = true;
    expect(await results.get(version, '[1,2]', { add: (s) => seen.push(s) })).toBeUndefined();
    expect(seen).toEqual(['hit', 'miss', 'bypass']);
  });
});
