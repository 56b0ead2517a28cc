// The blob handler with models other than mnist: a non-classifier's record holds its outputs by name, a
// classifier's its label and probabilities, and the blob metadata picks the model.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvocationContext, output } from '@azure/functions';
import { multiIoModel, sklearnClassifier } from '@modelfn/model-builder';
import { createScorer, readSettings, type Scorer } from '@modelfn/scoring';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { scoreBlobHandler } from '../src/score-blob.js';

let root: string;
let scorer: Scorer;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'modelfn-blob-any-'));
  const models = {
    pair: multiIoModel(),
    flags: sklearnClassifier({ labels: [0, 1], features: 2, coefficients: [[2, -1]], intercepts: [0.5] }),
  };
  for (const [name, onnx] of Object.entries(models)) {
    mkdirSync(join(root, name, '1'), { recursive: true });
    writeFileSync(join(root, name, '1', 'model.onnx'), onnx);
  }
  // An entry script that answers what it was given.
  mkdirSync(join(root, 'script', '1'), { recursive: true });
  writeFileSync(join(root, 'script', '1', 'model.onnx'), multiIoModel());
  writeFileSync(
    join(root, 'script', 'score.js'),
    'export function run(request) { return { trigger: request.trigger, blob: request.blobName, size: request.body.length, model: request.properties.metadata.model }; }',
  );
  scorer = await createScorer({ ...readSettings({}), modelRepository: root, cacheMode: 'memory' });
});
afterAll(async () => {
  await scorer.close();
  rmSync(root, { recursive: true, force: true });
});

function invoke(body: object, model: string, metadata: Record<string, string> = {}) {
  const errorOutput = output.storageBlob({
    path: 'out/{name}.error.json',
    connection: 'AzureWebJobsStorage',
  });
  const context = new InvocationContext({
    triggerMetadata: {
      blobTrigger: 'in/x.json',
      properties: { contentType: 'application/json' },
      metadata: { model, ...metadata },
    },
  });
  const handler = scoreBlobHandler({ scorer: async () => scorer, errorOutput });
  return { result: handler(Buffer.from(JSON.stringify(body)), context), context, errorOutput };
}

it("writes a non-classifier's outputs by name", async () => {
  const { result } = invoke({ data: { a: [[1, 1, 1]], b: [[3, 4]] } }, 'pair');
  expect(await result).toMatchObject({
    blob: 'in/x.json',
    model: 'pair',
    outputs: { sum: [2, 3, 4], b_twice: [6, 8] },
    cache: 'miss',
  });
});

it("writes a classifier's label and probabilities, per row for several rows", async () => {
  const { result } = invoke(
    {
      data: [
        [1, 0],
        [-3, 2],
      ],
    },
    'flags',
  );
  const record = (await result) as { label: number[]; probabilities: number[][] };
  expect(record.label).toEqual([1, 0]);
  expect(record.probabilities.map((p) => p.length)).toEqual([2, 2]);
});

it('writes what an entry script answers as the result', async () => {
  const { result } = invoke({ any: 'thing' }, 'script');
  expect(await result).toMatchObject({
    blob: 'in/x.json',
    model: 'script',
    version: '1',
    result: { trigger: 'blob', blob: 'in/x.json', size: 15, model: 'script' },
    cache: 'miss',
  });
});

it('writes an error record naming the model reference that cannot be parsed', async () => {
  const { result, context, errorOutput } = invoke({ data: [[1, 0]] }, 'flags:1:2');
  expect(await result).toBeUndefined();
  expect(context.extraOutputs.get(errorOutput)).toMatchObject({ code: 'INVALID_INPUT' });
});

it('writes only the outputs blob metadata "outputs" selects, and an error record naming the outputs for an unknown one', async () => {
  const body = { data: { a: [[1, 1, 1]], b: [[3, 4]] } };
  const { result } = invoke(body, 'pair', { outputs: 'b_twice' });
  const record = (await result) as { outputs: Record<string, unknown> };
  expect(record.outputs).toEqual({ b_twice: [6, 8] });
  const bad = invoke(body, 'pair', { outputs: 'b_thrice' });
  expect(await bad.result).toBeUndefined();
  const error = bad.context.extraOutputs.get(bad.errorOutput) as { code: string; error: string };
  expect(error.code).toBe('INVALID_INPUT');
  expect(error.error).toContain('"sum", "b_twice"');
});
