// config.json `traffic`: its checks, and how a request naming no version is spread over the versions.
import { describe, expect, it } from 'vitest';
import { parseConfigFile } from '../../src/model/model-config.js';
import type { ModelState, ModelVersion } from '../../src/model/model-version.js';
import {
  chooseVersion,
  heaviestVersion,
  trafficShares,
  trafficTable,
  unservedTrafficVersions,
  type TrafficTable,
} from '../../src/model/traffic.js';

/** A version as the repository holds it; only its number and state matter to the split. */
function version(n: number, state: ModelState = 'READY', reason?: string): ModelVersion {
  return {
    name: 'm',
    version: String(n),
    state,
    ...(reason ? { reason } : {}),
  } as ModelVersion;
}

/** `n` draws spread evenly over [0, 1): each version gets exactly its share of them. */
function evenDraws(n: number): () => number {
  let i = 0;
  return () => (i++ % n) / n + 0.5 / n;
}

function tally(versions: ModelVersion[], table: TrafficTable, n: number, random = evenDraws(n)) {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const v = chooseVersion('m', versions, table, random).version;
    counts[v] = (counts[v] ?? 0) + 1;
  }
  return counts;
}

const table = (weights: Record<string, number>) => trafficTable(weights)!;

describe('config.json traffic, as written', () => {
  const parse = (traffic: unknown) => () => parseConfigFile('m', { traffic });

  it('takes version numbers to weights >= 0, not summing to 100, zeros included', () => {
    expect(parseConfigFile('m', { traffic: { '1': 90, '2': 10 } }).traffic).toEqual({ '1': 90, '2': 10 });
    expect(parse({ '1': 3, '2': 1, '3': 0 })).not.toThrow();
    expect(parse({ '7': 0.5 })).not.toThrow();
  });

  it('refuses anything else as an INVALID_MODEL config error naming the model and the fault', () => {
    const cases: [unknown, RegExp][] = [
      [[90, 10], /traffic must be an object of version numbers to weights/],
      [null, /traffic must be an object/],
      ['1:90', /traffic must be an object/],
      [{ v1: 90 }, /key "v1" is not a version number/],
      [{ '0': 90 }, /key "0" is not a version number/],
      [{ '01': 90 }, /key "01" is not a version number/],
      [{ latest: 100 }, /key "latest" is not a version number/],
      [{ '1': -5, '2': 10 }, /weight of version 1 must be a number >= 0, got -5/],
      [{ '1': '90' }, /weight of version 1 must be a number >= 0, got "90"/],
      [{ '1': null }, /weight of version 1 must be a number >= 0, got null/],
      [{ '1': { weight: 1 } }, /weight of version 1 must be a number >= 0/],
      [{ '1': 0, '2': 0 }, /gives no version a weight above 0/],
      [{}, /gives no version a weight above 0/],
    ];
    for (const [traffic, why] of cases) {
      expect(parse(traffic), JSON.stringify(traffic)).toThrow(why);
      try {
        parse(traffic)();
      } catch (e) {
        expect(e).toMatchObject({ code: 'INVALID_MODEL' });
        expect((e as Error).message).toMatch(/^model "m": config.json traffic .*e\.g\. "traffic": \{"1": 90/);
      }
    }
  });
});

describe('choosing the version of a request that names none', () => {
  const v1 = version(1);
  const v2 = version(2);
  const v3 = version(3);

  it('splits by the weights, normalised: exact over evenly spread draws', () => {
    expect(tally([v1, v2], table({ '1': 90, '2': 10 }), 400)).toEqual({ '1': 360, '2': 40 });
    // 3:1 is 75 % / 25 %, whatever the sum.
    expect(tally([v1, v2], table({ '1': 3, '2': 1 }), 400)).toEqual({ '1': 300, '2': 100 });
    expect(tally([v1, v2, v3], table({ '1': 1, '2': 1, '3': 2 }), 400)).toEqual({
      '1': 100,
      '2': 100,
      '3': 200,
    });
  });

  it('never sends a request to a weight of 0, nor to a served version the table leaves out', () => {
    expect(tally([v1, v2, v3], table({ '1': 0, '2': 5 }), 300)).toEqual({ '2': 300 });
    expect(tally([v1, v2, v3], table({ '3': 1 }), 100)).toEqual({ '3': 100 });
  });

  it('takes the ends of the draw: 0 to the first version, just under 1 to the last', () => {
    const t = table({ '1': 1, '2': 1 });
    expect(chooseVersion('m', [v1, v2], t, () => 0)).toBe(v1);
    expect(chooseVersion('m', [v1, v2], t, () => 1 - Number.EPSILON)).toBe(v2);
  });

  it('shares the weight of a version that is not served, or not READY, among the others by theirs', () => {
    const t = table({ '1': 50, '2': 30, '4': 20 });
    // Version 4 has no folder (or version_policy leaves it out): 50:30 of the rest.
    expect(tally([v1, v2, v3], t, 400)).toEqual({ '1': 250, '2': 150 });
    expect(unservedTrafficVersions([v1, v2, v3], t)).toEqual(['4']);
    // Version 2 is loading or failed: version 1 takes all.
    for (const state of ['LOADING', 'UNAVAILABLE'] as const)
      expect(tally([v1, version(2, state), v3], t, 200)).toEqual({ '1': 200 });
  });

  it('waits for a weighted version still loading when none is READY, by weight', () => {
    const t = table({ '1': 1, '2': 3 });
    const loading = [version(1, 'LOADING'), version(2, 'LOADING'), v3];
    // Version 3 is READY but weighs 0: still never chosen.
    expect(tally(loading, t, 400)).toEqual({ '1': 100, '2': 300 });
  });

  it('refuses with MODEL_NOT_READY, saying why for each weighted version, when none can answer', () => {
    const t = table({ '1': 1, '2': 1, '9': 1, '3': 0 });
    const versions = [
      version(1, 'UNAVAILABLE', 'model.onnx is missing'),
      version(2, 'UNAVAILABLE', 'bad'),
      v3,
    ];
    let error: unknown;
    try {
      chooseVersion('m', versions, t, Math.random);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'MODEL_NOT_READY' });
    expect((error as Error).message).toBe(
      'model "m": no version that config.json traffic sends requests to can answer (version 1 is UNAVAILABLE: model.onnx is missing; version 2 is UNAVAILABLE: bad; version 9 is not served (not in the repository, or left out by version_policy)); name a version to reach another, e.g. "m:3"',
    );
  });

  it('reports the split as it stands and the version most requests go to', () => {
    const t = table({ '1': 90, '2': 10, '3': 0 });
    expect(trafficShares([v1, v2, v3], t)).toEqual({ '1': 90, '2': 10, '3': 0 });
    expect(trafficShares([v1, version(2, 'LOADING'), v3], t)).toEqual({ '1': 100, '2': 0, '3': 0 });
    expect(trafficShares([v1, v2], table({ '1': 1, '2': 2 }))).toEqual({ '1': 33.33, '2': 66.67 });
    expect(heaviestVersion([v1, v2, v3], t)).toBe(v1);
    // A tie goes to the newer version.
    expect(heaviestVersion([v1, v2], table({ '1': 1, '2': 1 }))).toBe(v2);
    expect(heaviestVersion([version(1, 'UNAVAILABLE'), v2], table({ '1': 1 }))).toBeUndefined();
  });

  it('keeps the table frozen, so a reload can only replace it whole', () => {
    const t = table({ '2': 1, '1': 2 });
    expect(t.map((e) => e.version)).toEqual(['1', '2']);
    expect(Object.isFrozen(t)).toBe(true);
    expect(Object.isFrozen(t[0])).toBe(true);
    expect(trafficTable(undefined)).toBeUndefined();
  });
});
