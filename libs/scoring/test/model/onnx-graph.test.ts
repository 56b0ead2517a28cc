import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { exposeZipMapOutputs } from '../../src/model/onnx-graph.js';
import { mayHaveZipMap } from '../../src/model/zipmap-probe.js';
import {
  buildModel,
  type ClassifierSpec,
  dynamicDimsModel,
  identityModel,
  mapType,
  multiIoModel,
  sequenceType,
  sklearnClassifier,
  tensor,
  tensorType,
} from '@modelfn/model-builder';

const NON_TENSOR = /Non tensor type is temporarily not supported/;

const ROWS = [
  [0.5, -1.25, 2],
  [-0.75, 0.3, -1.5],
  [1.2, 0.8, 0.1],
  [0, 0, 0],
];
const FEATURES = ROWS[0].length;
const feeds = () => ({
  float_input: new ort.Tensor('float32', Float32Array.from(ROWS.flat()), [ROWS.length, FEATURES]),
});

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const softmax = (z: number[]) => {
  const e = z.map((v) => Math.exp(v - Math.max(...z)));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
};

/** scikit-learn's predict_proba, written out from its definition rather than from the graph. */
function predictProba(spec: ClassifierSpec, row: number[]): number[] {
  const z = spec.coefficients.map((w, k) => w.reduce((acc, wf, f) => acc + wf * row[f], spec.intercepts[k]));
  if (spec.labels.length === 2) {
    // decision_function is one column; multinomial softmaxes [-z, z], ovr takes its sigmoid.
    const p = spec.multinomial ? softmax([-z[0], z[0]])[1] : sigmoid(z[0]);
    return [1 - p, p];
  }
  if (spec.multinomial === false) {
    const p = z.map(sigmoid);
    const sum = p.reduce((a, b) => a + b, 0);
    return p.map((v) => v / sum);
  }
  return softmax(z);
}

const CASES: Array<[string, ClassifierSpec]> = [
  [
    'int labels, binary',
    { labels: [0, 1], features: FEATURES, coefficients: [[0.8, -0.5, 0.25]], intercepts: [0.1] },
  ],
  [
    'int labels, multiclass',
    {
      labels: [3, 5, 9, 11],
      features: FEATURES,
      coefficients: [
        [0.4, -0.2, 0.1],
        [-0.3, 0.9, 0.05],
        [0.2, 0.2, -0.6],
        [-0.1, -0.4, 0.3],
      ],
      intercepts: [0.05, -0.1, 0.2, 0],
    },
  ],
  [
    'string labels, binary',
    { labels: ['no', 'yes'], features: FEATURES, coefficients: [[-0.6, 0.35, 1.1]], intercepts: [-0.2] },
  ],
  [
    'string labels, multiclass',
    {
      labels: ['setosa', 'versicolor', 'virginica'],
      features: FEATURES,
      coefficients: [
        [1.1, -0.3, 0.2],
        [-0.4, 0.6, -0.5],
        [-0.7, -0.3, 0.3],
      ],
      intercepts: [0.3, -0.1, -0.2],
    },
  ],
  [
    'int labels, binary, multinomial',
    {
      labels: [0, 1],
      features: FEATURES,
      coefficients: [[0.8, -0.5, 0.25]],
      intercepts: [0.1],
      multinomial: true,
    },
  ],
  [
    'string labels, multiclass, one-vs-rest',
    {
      labels: ['a', 'b', 'c'],
      features: FEATURES,
      coefficients: [
        [1.1, -0.3, 0.2],
        [-0.4, 0.6, -0.5],
        [-0.7, -0.3, 0.3],
      ],
      intercepts: [0.3, -0.1, -0.2],
      multinomial: false,
    },
  ],
];

describe('exposeZipMapOutputs on the graph skl2onnx writes for a LogisticRegression', () => {
  it.each(CASES)('%s', async (_, spec) => {
    const bytes = sklearnClassifier(spec);
    const pristine = bytes.slice();
    const classes = spec.labels.length;

    const original = await ort.InferenceSession.create(bytes);
    try {
      await expect(original.run(feeds(), ['output_probability'])).rejects.toThrow(NON_TENSOR);
    } finally {
      await original.release();
    }

    const exposed = exposeZipMapOutputs(bytes);
    expect(bytes).toEqual(pristine);
    expect(exposed?.zipmaps).toEqual([{ output: 'output_probability', labels: spec.labels }]);
    const session = await ort.InferenceSession.create(exposed!.bytes);
    try {
      const labelType = typeof spec.labels[0] === 'string' ? 'string' : 'int64';
      expect(session.outputMetadata).toEqual([
        { name: 'output_label', isTensor: true, type: labelType, shape: [''] },
        { name: 'output_probability', isTensor: true, type: 'float32', shape: ['', classes] },
      ]);
      const out = await session.run(feeds());

      const expected = ROWS.map((row) => predictProba(spec, row));
      expect(out.output_probability.type).toBe('float32');
      expect(out.output_probability.dims).toEqual([ROWS.length, classes]);
      const probabilities = Array.from(out.output_probability.data as Float32Array);
      probabilities.forEach((p, i) => expect(Math.abs(p - expected.flat()[i])).toBeLessThan(1e-6));

      const winners = expected.map((p) => spec.labels[p.indexOf(Math.max(...p))]);
      expect(out.output_label.type).toBe(labelType);
      expect(out.output_label.dims).toEqual([ROWS.length]);
      expect(Array.from(out.output_label.data as ArrayLike<unknown>)).toEqual(
        labelType === 'int64' ? winners.map((w) => BigInt(w)) : winners,
      );
    } finally {
      await session.release();
    }
  });
});

describe('exposeZipMapOutputs on other graphs', () => {
  it('returns undefined for models without a ZipMap', () => {
    for (const bytes of [identityModel('FP32'), multiIoModel(), dynamicDimsModel()]) {
      expect(mayHaveZipMap(bytes)).toBe(false);
      expect(exposeZipMapOutputs(bytes)).toBeUndefined();
    }
  });

  it('returns undefined when "ZipMap" is only a name, not an op', () => {
    const bytes = buildModel({
      graph: {
        inputs: [tensor('x', 'FP32', [null, 2])],
        outputs: [tensor('ZipMap', 'FP32', [null, 2])],
        nodes: [{ op: 'Identity', name: 'ZipMap', inputs: ['x'], outputs: ['ZipMap'] }],
      },
    });
    expect(mayHaveZipMap(bytes)).toBe(true);
    expect(exposeZipMapOutputs(bytes)).toBeUndefined();
  });

  it('keeps bytes it does not rewrite, including fields newer than onnx-proto knows', async () => {
    // Field 100, varint 42: unknown to every ONNX version, so a decode/encode round trip would drop it.
    const unknownField = Uint8Array.from([0xa0, 0x06, 0x2a]);
    const bytes = new Uint8Array([
      ...sklearnClassifier({ labels: [0, 1], features: 1, coefficients: [[1]], intercepts: [0] }),
      ...unknownField,
    ]);
    const exposed = exposeZipMapOutputs(bytes)!;
    expect(exposed.bytes.subarray(-unknownField.length)).toEqual(unknownField);
    const session = await ort.InferenceSession.create(exposed.bytes);
    const out = await session.run({ float_input: new ort.Tensor('float32', Float32Array.from([0]), [1, 1]) });
    expect(Array.from(out.output_probability.data as Float32Array)).toEqual([0.5, 0.5]);
    await session.release();
  });

  it('keeps a declared batch dim and adds the default-domain opset an ai.onnx.ml-only graph lacks', async () => {
    const labels = [4, 5, 6];
    const bytes = buildModel({
      opset: null,
      graph: {
        inputs: [tensor('x', 'FP32', ['N', 2])],
        outputs: [
          tensor('label', 'INT64', ['N']),
          { name: 'probs', type: sequenceType(mapType('INT64', tensorType('FP32'))) },
        ],
        valueInfo: [tensor('scores', 'FP32', ['N', 3])],
        nodes: [
          {
            op: 'LinearClassifier',
            domain: 'ai.onnx.ml',
            inputs: ['x'],
            outputs: ['label', 'scores'],
            attributes: {
              coefficients: { floats: [1, 0, 0, 1, 1, 1] },
              intercepts: { floats: [0, 0, 0] },
              classlabels_ints: { ints: labels },
              post_transform: { string: 'SOFTMAX' },
            },
          },
          {
            op: 'ZipMap',
            domain: 'ai.onnx.ml',
            inputs: ['scores'],
            outputs: ['probs'],
            attributes: { classlabels_int64s: { ints: labels } },
          },
        ],
      },
    });
    const exposed = exposeZipMapOutputs(bytes)!;
    expect(exposed.zipmaps).toEqual([{ output: 'probs', labels }]);
    const session = await ort.InferenceSession.create(exposed.bytes);
    try {
      expect(session.outputMetadata[1]).toEqual({
        name: 'probs',
        isTensor: true,
        type: 'float32',
        shape: ['N', 3],
      });
      const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from([1, 2]), [1, 2]) });
      const expected = softmax([1, 2, 3]);
      Array.from(out.probs.data as Float32Array).forEach((p, i) =>
        expect(Math.abs(p - expected[i])).toBeLessThan(1e-6),
      );
      expect(out.label.data).toEqual(BigInt64Array.from([6n]));
    } finally {
      await session.release();
    }
  });
});
