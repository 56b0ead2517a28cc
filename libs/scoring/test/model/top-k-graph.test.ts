import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildModel, identityModel, tensor } from '@modelfn/model-builder';
import { predictions, type Scorer } from '../../src/index.js';
import { parseConfigFile } from '../../src/model/model-config.js';
import { appendTopK } from '../../src/model/top-k-graph.js';
import { scorerOver } from '../scorer/repo.js';

// Two rows of three time steps over five classes, with ties broken by neither position nor value order.
const ROWS = [
  [
    [0.1, 0.5, 0.2, 0.9, 0.3],
    [4, -1, 2, 3, 0],
    [-5, -4, -3, -2, -1],
  ],
  [
    [1, 2, 3, 4, 5],
    [5, 4, 3, 2, 1],
    [0, 7, 0, 6, 0],
  ],
];
const CLASSES = 5;

/**
 * The k largest entries of each last-axis vector, largest first, as the graph should give them (values as
 * float32 holds them, or as written).
 */
function topK(k: number, float32 = true): { values: number[][][]; indices: number[][][] } {
  const best = ROWS.map((row) =>
    row.map((v) =>
      v
        .map((value, index) => ({ value, index }))
        .sort((a, b) => b.value - a.value)
        .slice(0, k),
    ),
  );
  return {
    values: best.map((r) => r.map((s) => s.map((e) => (float32 ? Math.fround(e.value) : e.value)))),
    indices: best.map((r) => r.map((s) => s.map((e) => e.index))),
  };
}

/** y = Identity(x), [batch, steps, classes], importing the given default opset. */
function stepsModel(opset: number): Uint8Array {
  const dims = [null, null, CLASSES];
  return buildModel({
    opset,
    irVersion: opset < 10 ? 4 : 8,
    graph: {
      inputs: [tensor('x', 'FP32', dims)],
      outputs: [tensor('y', 'FP32', dims)],
      nodes: [{ op: 'Identity', inputs: ['x'], outputs: ['y'] }],
    },
  });
}

function rowsOf(data: ArrayLike<number>, k: number): number[][][] {
  const flat = Array.from(data);
  return ROWS.map((row, r) =>
    row.map((_, t) => flat.slice((r * row.length + t) * k, (r * row.length + t + 1) * k)),
  );
}

describe('config.json top_k: outputs reduced inside the graph', () => {
  // TopK takes k as an attribute up to opset 9 and as an input from opset 10 on.
  for (const opset of [9, 17]) {
    it(`gives each step's k best values and their INT32 indices (opset ${opset})`, async () => {
      const session = await ort.InferenceSession.create(appendTopK(stepsModel(opset), { y: 2 }));
      try {
        expect(session.outputNames).toEqual(['y.values', 'y.indices']);
        const x = new ort.Tensor('float32', Float32Array.from(ROWS.flat(2)), [2, 3, CLASSES]);
        const out = await session.run({ x });
        expect(out['y.values'].dims).toEqual([2, 3, 2]);
        expect(out['y.indices'].type).toBe('int32');
        const expected = topK(2);
        expect(rowsOf(out['y.values'].data as Float32Array, 2)).toEqual(expected.values);
        expect(rowsOf(out['y.indices'].data as Int32Array, 2)).toEqual(expected.indices);
      } finally {
        await session.release();
      }
    });
  }

  it('refuses a k that is no positive integer in config.json', () => {
    for (const top_k of [{ y: 0 }, { y: 1.5 }, [1], 'y']) {
      expect(() => parseConfigFile('m', { top_k })).toThrow(/"top_k" must map output names to integers >= 1/);
    }
  });

  it('says what to change when the output is not there or has fewer entries than k', () => {
    expect(() => appendTopK(stepsModel(17), { probabilities: 1 })).toThrow(
      /top_k names "probabilities", which is not an output of the graph; its outputs are "y"/,
    );
    expect(() => appendTopK(stepsModel(17), { y: 6 })).toThrow(
      /5 entries along its last axis, fewer than k = 6/,
    );
    expect(() => appendTopK(identityModel('BYTES'), { y: 1 })).toThrow(/must be a numeric tensor/);
  });

  describe('through the scorer', () => {
    let scorer: Scorer;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ scorer, close } = await scorerOver({
        steps: { onnx: stepsModel(17), config: { top_k: { y: 1 } } },
        missing: { onnx: stepsModel(17), config: { top_k: { probabilities: 1 } } },
      }));
    });
    afterAll(() => close());

    it('serves the reduced outputs, typed from the rewritten graph', async () => {
      const outputs = scorer.repository.find('steps').outputs;
      expect(outputs.map(({ name, datatype, dims }) => ({ name, datatype, dims }))).toEqual([
        { name: 'y.values', datatype: 'FP32', dims: [-1, 1] },
        { name: 'y.indices', datatype: 'INT32', dims: [-1, 1] },
      ]);
      const result = await scorer.infer({ object: { data: ROWS }, model: 'steps' });
      // JSON answers give each float32 as its shortest decimal: the values as written.
      const expected = topK(1, false);
      expect(predictions(result)).toEqual(
        ROWS.map((_, r) => ({ 'y.values': expected.values[r], 'y.indices': expected.indices[r] })),
      );
    });

    it('makes a version naming an output the graph lacks unavailable, with the reason', () => {
      const v = scorer.repository.find('missing');
      expect(v.state).toBe('UNAVAILABLE');
      expect(v.reason).toMatch(/config.json top_k names "probabilities", which is not an output/);
    });
  });
});
