// config.json `traffic` through the real HTTP app with the real random draw: requests naming no version are
// split by weight (checked within a 5-sigma binomial bound, so it cannot flake), x-model and /metrics say
// which version answered, a request naming a version gets it. Version n of `split` answers y = x + n.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeOffsetModel } from '@modelfn/model-builder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type AppUnderTest } from './support/app-host.js';
import { call, postJson } from './support/http.js';

let app: AppUnderTest;
let root: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'modelfn-traffic-http-'));
  writeOffsetModel(root, 'split', [1, 2, 3], { version_policy: { all: {} }, traffic: { '1': 90, '2': 10 } });
  app = await startApp({ modelRepository: root, defaultModel: 'split' });
});
afterAll(async () => {
  await app?.close();
  rmSync(root, { recursive: true, force: true });
});

/** `modelfn_invocation_items_total` of POST /score for `split` by version, summed over cache outcomes. */
async function itemsByVersion(): Promise<Record<string, number>> {
  const text = (await call<string>(`${app.url}/metrics`)).body;
  const counts: Record<string, number> = {};
  const series =
    /^modelfn_invocation_items_total\{trigger="http",function="score",model="split",version="(\d+)",cache="\w+"\} (\d+)$/gm;
  for (const [, version, n] of text.matchAll(series)) counts[version] = (counts[version] ?? 0) + Number(n);
  return counts;
}

/** Within `sigmas` standard deviations of a binomial count's mean. */
function withinBinomial(count: number, n: number, p: number, sigmas = 5): boolean {
  const sd = Math.sqrt(n * p * (1 - p));
  return Math.abs(count - n * p) <= sigmas * sd;
}

describe('POST /score with config.json traffic {"1": 90, "2": 10}', () => {
  it('splits requests naming no version about 90/10, x-model and /metrics naming the version that answered', async () => {
    const n = 400;
    const before = await itemsByVersion();
    const seen: Record<string, number> = {};
    for (let i = 0; i < n; i++) {
      // Half name the model, half rely on it being the default: both name no version.
      const headers: Record<string, string> = i % 2 ? { 'x-model': 'split' } : {};
      const r = await postJson<{ y: number[] }[]>(`${app.url}/score`, { data: [[i], [i + 0.25]] }, headers);
      expect(r.status).toBe(200);
      const version = r.headers.get('x-model')!.replace(/^split:/, '');
      // Both rows of a request come from the version x-model names (its offset).
      expect(r.body.map((row) => row.y[0])).toEqual([i + Number(version), i + 0.25 + Number(version)]);
      seen[version] = (seen[version] ?? 0) + 1;
    }
    // Version 3 is served but has no weight; 5 sigma of Binomial(400, 0.1) is 30 requests either way.
    expect(Object.keys(seen).sort()).toEqual(['1', '2']);
    expect(withinBinomial(seen['2'], n, 0.1), `version 2 answered ${seen['2']} of ${n}`).toBe(true);
    const after = await itemsByVersion();
    expect({ '1': after['1'] - (before['1'] ?? 0), '2': after['2'] - (before['2'] ?? 0) }).toEqual(seen);
  });

  it('answers a request naming a version from that version only, whatever its weight', async () => {
    for (const version of ['1', '2', '3']) {
      for (let i = 0; i < 20; i++) {
        const r = await postJson<{ y: number[] }[]>(
          `${app.url}/score`,
          { data: [[i]] },
          { 'x-model': `split:${version}` },
        );
        expect(r.headers.get('x-model')).toBe(`split:${version}`);
        expect(r.body[0].y[0]).toBe(i + Number(version));
      }
    }
  });

  it('splits v2 inference without a version too, model_version saying which answered', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200 && seen.size < 2; i++) {
      const r = await postJson<{ model_version: string; outputs: { data: number[] }[] }>(
        `${app.url}/v2/models/split/infer`,
        { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 1], data: [1000 + i] }] },
      );
      expect(r.status).toBe(200);
      expect(r.body.outputs[0].data[0]).toBe(1000 + i + Number(r.body.model_version));
      seen.add(r.body.model_version);
    }
    // P(version 2 never drawn in 200) = 0.9^200, about 7e-10.
    expect([...seen].sort()).toEqual(['1', '2']);
  });

  it("lists each version's share in the repository index (the playground's model list)", async () => {
    const r = await postJson<{ name: string; version: string; state: string; traffic?: number }[]>(
      `${app.url}/v2/repository/index`,
      {},
    );
    expect(r.body).toEqual([
      { name: 'split', version: '1', state: 'READY', traffic: 90 },
      { name: 'split', version: '2', state: 'READY', traffic: 10 },
      { name: 'split', version: '3', state: 'READY', traffic: 0 },
    ]);
  });
});
