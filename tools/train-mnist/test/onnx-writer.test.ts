import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { loadMnist } from '../src/idx.js';
import { toFloatInputs } from '../src/inputs.js';
import { forward, initMlp } from '../src/mlp.js';
import { encodeMlpOnnx } from '../src/onnx-writer.js';
import { mulberry32 } from '../src/prng.js';
import { all, decodeFields, only, text, type Field } from './proto-reader.js';

const model = initMlp({ inputSize: 784, hiddenSize: 16, outputSize: 10 }, mulberry32(42));
// Non-zero biases so a swapped or dropped bias shows up in the ORT comparison.
model.b1.forEach((_, i) => (model.b1[i] = 0.01 * (i - 8)));
model.b2.forEach((_, i) => (model.b2[i] = 0.1 * (i - 5)));
const bytes = encodeMlpOnnx(model);

const sub = (v: Field['value']) => decodeFields(v as Uint8Array);
const num = (v: Field['value']) => Number(v as bigint);

describe('encodeMlpOnnx structure (onnx.proto field numbers)', () => {
  const top = decodeFields(bytes);
  const graph = sub(only(top, 7));

  it('has ModelProto header fields', () => {
    expect(num(only(top, 1))).toBe(7); // ir_version
    expect(text(only(top, 2))).toBe('modelfn-train-mnist'); // producer_name
    const opset = sub(only(top, 8));
    expect(text(only(opset, 1))).toBe(''); // default ai.onnx domain
    expect(num(only(opset, 2))).toBe(13);
  });

  it('wires Gemm -> Relu -> Gemm -> Softmax(axis=1)', () => {
    const nodes = all(graph, 1).map(sub);
    expect(nodes.map((n) => text(only(n, 4)))).toEqual(['Gemm', 'Relu', 'Gemm', 'Softmax']);
    expect(all(nodes[0], 1).map(text)).toEqual(['input', 'W1', 'b1']);
    expect(all(nodes[3], 2).map(text)).toEqual(['probabilities']);
    const attr = sub(only(nodes[3], 5));
    expect(text(only(attr, 1))).toBe('axis');
    expect(num(only(attr, 20))).toBe(2); // AttributeType.INT
    expect(num(only(attr, 3))).toBe(1);
  });

  it('stores initializers as little-endian float32 raw_data', () => {
    const inits = all(graph, 5).map(sub);
    expect(inits.map((t) => text(only(t, 8)))).toEqual(['W1', 'b1', 'W2', 'b2']);
    expect(all(inits[0], 1).map(num)).toEqual([784, 16]);
    expect(all(inits[2], 1).map(num)).toEqual([16, 10]);
    for (const t of inits) expect(num(only(t, 2))).toBe(1); // FLOAT
    const raw = only(inits[1], 9) as Uint8Array;
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    expect(Float32Array.from({ length: 16 }, (_, i) => view.getFloat32(i * 4, true))).toEqual(model.b1);
  });

  it('declares input [N, 784] and output [N, 10] with a symbolic batch dim', () => {
    const shapeOf = (vi: Field[]) => {
      const tensorType = sub(only(sub(only(vi, 2)), 1));
      expect(num(only(tensorType, 1))).toBe(1); // elem_type FLOAT
      return all(sub(only(tensorType, 2)), 1).map((d) => {
        const dim = sub(d);
        return dim[0].field === 2 ? text(dim[0].value) : num(dim[0].value);
      });
    };
    const input = sub(only(graph, 11));
    const output = sub(only(graph, 12));
    expect(text(only(input, 1))).toBe('input');
    expect(shapeOf(input)).toEqual(['N', 784]);
    expect(text(only(output, 1))).toBe('probabilities');
    expect(shapeOf(output)).toEqual(['N', 10]);
  });

  it('is byte-for-byte deterministic', () => {
    expect(Buffer.compare(encodeMlpOnnx(model), bytes)).toBe(0);
  });
});

describe('encodeMlpOnnx in onnxruntime-node', () => {
  it('loads and matches the JS forward pass for several batch sizes', async () => {
    const session = await ort.InferenceSession.create(bytes);
    try {
      expect(session.inputNames).toEqual(['input']);
      expect(session.outputNames).toEqual(['probabilities']);
      const test = loadMnist('test');
      for (const n of [1, 7, 64]) {
        const x = toFloatInputs(test.images.subarray(0, n * 784));
        const out = await session.run({ input: new ort.Tensor('float32', x, [n, 784]) });
        const got = out.probabilities;
        expect(got.dims).toEqual([n, 10]);
        const want = forward(model, x, n);
        const data = got.data as Float32Array;
        let maxDiff = 0;
        for (let i = 0; i < want.length; i++) maxDiff = Math.max(maxDiff, Math.abs(data[i] - want[i]));
        expect(maxDiff).toBeLessThan(1e-5);
      }
    } finally {
      await session.release();
    }
  });
});
