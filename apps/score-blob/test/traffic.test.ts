// config.json `traffic`: a blob that names no version (metadata `model: split`) is scored by the version the
// split draws, and its record says which (version n of `split` answers y = x + n); one naming a version gets it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvocationContext, output } from '@azure/functions';
import type { BlobPrediction } from '@modelfn/functions';
import { writeOffsetModel } from '@modelfn/model-builder';
import { createScorer, readSettings, type Scorer } from '@modelfn/scoring';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { scoreBlobHandler } from '../src/score-blob.js';

let root: string;
let scorer: Scorer;
/** The split's draw, evenly spread over [0, 1) so the counts are exact. */
let draw = 0;
const DRAWS = 40;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'modelfn-blob-traffic-'));
  writeOffsetModel(root, 'split', [1, 2], { version_policy: { all: {} }, traffic: { '1': 3, '2': 1 } });
  scorer = await createScorer(
    { ...readSettings({}), modelRepository: root, cacheMode: 'memory' },
    { random: () => ((draw++ % DRAWS) + 0.5) / DRAWS },
  );
});
afterAll(async () => {
  await scorer?.close();
  rmSync(root, { recursive: true, force: true });
});

function score(x: number, model: string): Promise<BlobPrediction> {
  const errorOutput = output.storageBlob({
    path: 'out/{name}.error.json',
    connection: 'AzureWebJobsStorage',
  });
  const context = new InvocationContext({
    triggerMetadata: {
      blobTrigger: `in/${x}.json`,
      properties: { contentType: 'application/json' },
      metadata: { model },
    },
  });
  const handler = scoreBlobHandler({ scorer: async () => scorer, errorOutput });
  return handler(Buffer.from(JSON.stringify({ data: [[x]] })), context) as Promise<BlobPrediction>;
}

it('writes the version the split chose in each record, 3:1 exactly over evenly spread draws', async () => {
  const counts: Record<string, number> = {};
  for (let i = 0; i < DRAWS; i++) {
    const record = await score(i, 'split');
    expect(record.model).toBe('split');
    expect((record.outputs as { y: number[] }).y[0]).toBe(i + Number(record.version));
    counts[record.version] = (counts[record.version] ?? 0) + 1;
  }
  expect(counts).toEqual({ '1': 30, '2': 10 });
});

it('writes the version a blob names, drawing nothing', async () => {
  const before = draw;
  const record = await score(7, 'split:2');
  expect([record.version, (record.outputs as { y: number[] }).y[0]]).toEqual(['2', 9]);
  expect(draw).toBe(before);
});
