// A traffic weight change is picked up as any config.json change (MODEL_CONTROL_MODE=poll): the model's
// versions are reloaded with the new config and its table swapped with them; an invalid table is refused
// while the one before keeps routing. Version n of `plus` answers y = x + n.
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { offsetModel } from '@modelfn/model-builder';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createScorer, readSettings, type Scorer } from '../../src/index.js';
import { pollUntil, valueOf } from '../support/model-control.js';

let root: string;
let scorer: Scorer;

/** Written as a deployment should: a temporary name, then renamed over the old file. */
function put(path: string, bytes: Uint8Array | string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(`${path}.tmp`, bytes);
  renameSync(`${path}.tmp`, path);
}

const config = (traffic: unknown) => JSON.stringify({ version_policy: { all: {} }, traffic });

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'modelfn-traffic-reload-'));
  put(join(root, 'plus', '1', 'model.onnx'), offsetModel(1));
  put(join(root, 'plus', '2', 'model.onnx'), offsetModel(2));
  put(join(root, 'plus', 'config.json'), config({ '1': 1 }));
  scorer = await createScorer(
    readSettings({
      MODEL_REPOSITORY: root,
      CACHE_MODE: 'memory',
      MODEL_CONTROL_MODE: 'poll',
      // Polled by the test (repository.poll), not by the timer.
      MODEL_POLL_INTERVAL_S: '3600',
    }),
  );
});
afterAll(async () => {
  await scorer?.close();
  rmSync(root, { recursive: true, force: true });
});

/** The versions that answered `n` requests naming none (x = 0.5, so y - x is the version). */
async function versions(n = 40): Promise<Set<number>> {
  const seen = new Set<number>();
  for (let i = 0; i < n; i++)
    seen.add((await scorer.infer({ object: { data: [[0.5]] }, model: 'plus' }).then(valueOf)) - 0.5);
  return seen;
}

it('routes by the new weights once a changed config.json is polled, and keeps them over an invalid one', async () => {
  expect(await versions()).toEqual(new Set([1]));

  put(join(root, 'plus', 'config.json'), config({ '2': 1 }));
  await scorer.repository.poll();
  await pollUntil(async () => (await versions(10)).has(2));
  expect(await versions()).toEqual(new Set([2]));
  expect(scorer.repository.summaries()[0].traffic).toEqual({ '1': 0, '2': 100 });

  put(join(root, 'plus', 'config.json'), config({ '1': -1, '2': 1 }));
  await scorer.repository.poll();
  // The table before stays: version 2 alone still answers requests naming no version.
  expect(await versions()).toEqual(new Set([2]));
  // Each version says why (the repository index and metadata show it).
  const reasons = scorer.repository.versions('plus').map((v) => v.reason ?? '');
  expect(reasons.join('\n')).toContain(
    'config.json traffic weight of version 1 must be a number >= 0, got -1',
  );
});
