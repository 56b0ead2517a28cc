import { identityModel } from '@modelfn/model-builder';
import { describe, expect, it } from 'vitest';
import { OnnxModel } from '../../src/model/onnx-model.js';

const options = { intraOpThreads: 1 };

describe('OnnxModel.release', () => {
  it('lets the runs already asked for finish before it frees the session', async () => {
    const bytes = identityModel('FP32', [null, 3]);
    const session = await OnnxModel.createSession(bytes, 'identity', options);
    const model = new OnnxModel(session, ['y'], { source: bytes, ...options });
    const input = { name: 'x', datatype: 'FP32' as const, shape: [1, 3], data: Float32Array.of(1, 2, 3) };
    // onnxruntime starts each run in a later turn of the loop; the release is asked for before that.
    const runs = [model.run([input]), model.run([input])];
    const released = model.release();
    const results = await Promise.all(runs);
    await released;
    for (const r of results) expect(Array.from(r.outputs[0].data as Float32Array)).toEqual([1, 2, 3]);
    await expect(model.run([input])).rejects.toThrow(/disposed/i);
  });
});
