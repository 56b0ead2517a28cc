import { fitsDims, type IoSpec } from './io-spec.js';
import { imageRowShape, parseImagePreprocessing, type ImagePreprocessing } from './image-preprocessing.js';
import { configError, type ModelConfig } from './model-config.js';

/**
 * The input raw image bytes are decoded into, per `preprocessing.image`: the one named by its `input`,
 * else the only floating-point input. Its shape must hold the image as the layout arranges it.
 */
export function imageInput(
  config: ModelConfig,
  inputs: IoSpec[],
): { input: number; pre: ImagePreprocessing } | undefined {
  const raw = config.preprocessing?.image as (Record<string, unknown> & { input?: string }) | undefined;
  if (!raw) return undefined;
  const pre = parseImagePreprocessing(raw, `model "${config.name}": config.json preprocessing.image`);
  const named = typeof raw.input === 'string' ? raw.input : undefined;
  const candidates = inputs
    .map((s, i) => ({ s, i }))
    .filter(({ s }) => (named ? s.name === named : s.datatype === 'FP32'));
  if (candidates.length !== 1) {
    configError(
      config.name,
      named
        ? `preprocessing.image.input "${named}" is not an input of the model`
        : `preprocessing.image needs "input": the model has ${candidates.length} FP32 inputs`,
    );
  }
  const { s, i } = candidates[0];
  if (s.datatype !== 'FP32')
    configError(config.name, `preprocessing.image feeds input "${s.name}", which is ${s.datatype}, not FP32`);
  const row = imageRowShape(pre);
  const shape = config.max_batch_size > 0 ? row : [1, ...row];
  if (!fitsDims(shape, s.dims)) {
    configError(
      config.name,
      `preprocessing.image makes ${pre.layout} rows of shape [${row}] (${pre.width}x${pre.height}, ${pre.color}), but input "${s.name}" has dims [${s.dims}]`,
    );
  }
  return { input: i, pre };
}
