import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeMlpOnnx, initMlp, mulberry32 } from '@modelfn/train-mnist';
import type { SuiteContext } from '../suite-context.js';

export const WIDE_MODEL = 'mlp-wide';
export const WIDE_HIDDEN = 1024;

/**
 * A model repository holding only `mlp-wide`: mnist's MLP shape with a 1,024-unit hidden layer (0.8M
 * multiply-adds and 3.2 MB of weights a row, against mnist's 0.1M), untrained, weights from a fixed seed.
 * It is never served; the bench measures dynamic batching on it too, because what batching can save is the
 * model's share of a request, and mnist's run (~20 µs) is a small share of an HTTP request. Its config is
 * mnist's (so the same dynamic_batching), renamed.
 */
export async function wideModelRepository(ctx: SuiteContext, queueDelayMicros: number): Promise<string> {
  const dir = join(ctx.tmpDir, 'models-wide');
  await mkdir(join(dir, WIDE_MODEL, '1'), { recursive: true });
  const mlp = initMlp({ inputSize: 784, hiddenSize: WIDE_HIDDEN, outputSize: 10 }, mulberry32(7));
  await writeFile(join(dir, WIDE_MODEL, '1', 'model.onnx'), encodeMlpOnnx(mlp, 'mlp_wide'));
  const config = JSON.parse(await readFile(join(ctx.modelsDir, 'mnist', 'config.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  delete config.versions;
  await writeFile(
    join(dir, WIDE_MODEL, 'config.json'),
    JSON.stringify(
      { ...config, name: WIDE_MODEL, dynamic_batching: { max_queue_delay_microseconds: queueDelayMicros } },
      null,
      2,
    ),
  );
  return dir;
}
