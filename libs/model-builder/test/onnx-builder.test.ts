import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import {
  type Dim,
  dynamicDimsModel,
  identityModel,
  imageIdentityModel,
  MULTI_IO_OFFSET,
  multiIoModel,
  sklearnClassifier,
  unloadableModel,
  type DataType,
} from '../src/index.js';

/** Element storage onnxruntime-node takes per datatype. */
type TensorData = ort.Tensor.DataType;

const run = async (bytes: Uint8Array, feeds: Record<string, ort.Tensor>) => {
  const session = await ort.InferenceSession.create(bytes);
  try {
    return { out: await session.run(feeds), inputs: session.inputMetadata, outputs: session.outputMetadata };
  } finally {
    await session.release();
  }
};

// One row of three values per datatype, in the storage onnxruntime-node takes (BigInt arrays for 64-bit integers, half bits for FP16, 0/1 bytes for BOOL).
const SAMPLES: Record<DataType, { type: ort.Tensor.Type; data: TensorData }> = {
  BOOL: { type: 'bool', data: Uint8Array.from([1, 0, 1]) },
  UINT8: { type: 'uint8', data: Uint8Array.from([0, 7, 255]) },
  UINT16: { type: 'uint16', data: Uint16Array.from([0, 7, 65535]) },
  UINT32: { type: 'uint32', data: Uint32Array.from([0, 7, 4294967295]) },
  UINT64: { type: 'uint64', data: BigUint64Array.from([0n, 7n, 2n ** 64n - 1n]) },
  INT8: { type: 'int8', data: Int8Array.from([-128, 0, 127]) },
  INT16: { type: 'int16', data: Int16Array.from([-32768, 0, 32767]) },
  INT32: { type: 'int32', data: Int32Array.from([-(2 ** 31), 0, 2 ** 31 - 1]) },
  INT64: { type: 'int64', data: BigInt64Array.from([-(2n ** 63n), 0n, 2n ** 63n - 1n]) },
  // 1.0, -2.0 and 65504 (the largest half) as IEEE half bits.
  FP16: { type: 'float16', data: Uint16Array.from([0x3c00, 0xc000, 0x7bff]) },
  FP32: { type: 'float32', data: Float32Array.from([1.5, -0, 3.4e38]) },
  FP64: { type: 'float64', data: Float64Array.from([1.5, -0, 1e300]) },
  BYTES: { type: 'string', data: ['', 'ascii', 'é ✓ 🙂'] },
};

/** Where the runtime has Float16Array, onnxruntime returns float16 as one; compare the bits either way. */
function comparable(datatype: DataType, data: unknown): unknown[] {
  if (datatype !== 'FP16') return Array.from(data as ArrayLike<unknown>);
  const halves = data as Uint16Array;
  return Array.from(new Uint16Array(halves.buffer, halves.byteOffset, halves.length));
}

/** How onnxruntime reports builder dims: unnamed dynamic ones (-1, null) as the empty string. */
const reported = (dims: Dim[]) => dims.map((d) => (d === null || d === -1 ? '' : d));

describe('identityModel', () => {
  // Recorded with onnxruntime-node 1.30 on Node 20: every v2 datatype is fed and fetched, with the storage
  // of SAMPLES; a failure here means a runtime upgrade changed that.
  it.each(Object.keys(SAMPLES) as DataType[])('feeds and fetches %s', async (datatype) => {
    const { type, data } = SAMPLES[datatype];
    const { out, inputs, outputs } = await run(identityModel(datatype, [null, 3]), {
      x: new ort.Tensor(type, data as ort.Tensor.DataType, [1, 3]),
    });
    expect(inputs).toEqual([{ name: 'x', isTensor: true, type, shape: reported([null, 3]) }]);
    expect(outputs).toEqual([{ name: 'y', isTensor: true, type, shape: reported([null, 3]) }]);
    expect(out.y.type).toBe(type);
    expect(out.y.dims).toEqual([1, 3]);
    expect(comparable(datatype, out.y.data)).toEqual(comparable(datatype, data));
  });
});

describe('ready-made models', () => {
  it('multiIoModel: two inputs of different datatypes, two outputs', async () => {
    const a = Float32Array.from([0, 1, 2, 10, 20, 30]);
    const b = BigInt64Array.from([1n, -2n, 3n, 40n]);
    const { out, inputs, outputs } = await run(multiIoModel(), {
      a: new ort.Tensor('float32', a, [2, 3]),
      b: new ort.Tensor('int64', b, [2, 2]),
    });
    expect(inputs.map((m) => m.isTensor && [m.name, m.type, m.shape])).toEqual([
      ['a', 'float32', ['N', 3]],
      ['b', 'int64', ['N', 2]],
    ]);
    expect(outputs.map((m) => m.name)).toEqual(['sum', 'b_twice']);
    expect(out.sum.dims).toEqual([2, 3]);
    expect(Array.from(out.sum.data as Float32Array)).toEqual(
      Array.from(a, (v, i) => v + MULTI_IO_OFFSET[i % 3]),
    );
    expect(out.b_twice.type).toBe('int64');
    expect(Array.from(out.b_twice.data as BigInt64Array)).toEqual([2n, -4n, 6n, 80n]);
  });

  it('dynamicDimsModel: symbolic dims in the signature, concrete ones in the result', async () => {
    const x = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    const { out, inputs, outputs } = await run(dynamicDimsModel(), {
      x: new ort.Tensor('float32', x, [2, 4]),
    });
    expect(inputs.map((m) => m.isTensor && m.shape)).toEqual([['batch', 'seq']]);
    expect(outputs.map((m) => m.isTensor && [m.name, m.shape])).toEqual([
      ['row_sum', ['batch']],
      ['copy', ['batch', 'seq']],
    ]);
    expect(out.row_sum.dims).toEqual([2]);
    expect(Array.from(out.row_sum.data as Float32Array)).toEqual([10, 26]);
    expect(out.copy.dims).toEqual([2, 4]);
    expect(out.copy.data).toEqual(x);
  });

  it.each<[Dim[], number[]]>([
    [
      [null, 3, 2, 2],
      [1, 3, 2, 2],
    ],
    [
      ['N', 2, 2, 3],
      [2, 2, 2, 3],
    ],
    [
      [-1, 12],
      [3, 12],
    ],
  ])('imageIdentityModel(%j) passes pixels through', async (shape, concrete) => {
    const pixels = Float32Array.from({ length: concrete.reduce((n, d) => n * d, 1) }, (_, i) => i / 255);
    const { out, inputs } = await run(imageIdentityModel(shape), {
      image: new ort.Tensor('float32', pixels, concrete),
    });
    expect(inputs.map((m) => m.isTensor && m.shape)).toEqual([reported(shape)]);
    expect(out.pixels.dims).toEqual(concrete);
    expect(out.pixels.data).toEqual(pixels);
  });

  it('sklearnClassifier loads; its label is fetchable (the ZipMap output is covered in onnx-graph.test)', async () => {
    const bytes = sklearnClassifier({
      labels: [10, 20, 30],
      features: 2,
      coefficients: [
        [1, 0],
        [0, 1],
        [-1, -1],
      ],
      intercepts: [0, 0, 0],
    });
    const session = await ort.InferenceSession.create(bytes);
    try {
      expect(session.inputNames).toEqual(['float_input']);
      expect(session.outputNames).toEqual(['output_label', 'output_probability']);
      const out = await session.run(
        { float_input: new ort.Tensor('float32', Float32Array.from([5, 1, 1, 5, -3, -3]), [3, 2]) },
        ['output_label'],
      );
      expect(Array.from(out.output_label.data as BigInt64Array)).toEqual([10n, 20n, 30n]);
    } finally {
      await session.release();
    }
  });

  it('unloadableModel is refused at session creation, naming the unknown op', async () => {
    await expect(ort.InferenceSession.create(unloadableModel())).rejects.toThrow(
      /No Op registered for NoSuchOperator/,
    );
  });
});
